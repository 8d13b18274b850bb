using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using SourceApp.Storage;

namespace SourceApp.Api;

/// <summary>An error answer: every 4xx and 5xx of the service has this body.</summary>
public sealed record ErrorBody([property: JsonPropertyName("error")] string Error);

/// <summary>The answer of <c>GET /api/keys</c>: pass <see cref="Next"/> as <c>?after=</c> for the next page; null at the end.</summary>
public sealed record KeysBody(
    [property: JsonPropertyName("keys")] IReadOnlyList<string> Keys,
    [property: JsonPropertyName("next")] string? Next);

/// <summary>The answer of <c>GET /health</c>.</summary>
public sealed record HealthBody(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("error")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);

/// <summary>
/// The answer of a committed PUT: the stored record, and with <c>-notify</c> the cache nodes that did not
/// confirm in time (absent when every node did).
/// </summary>
public sealed record WrittenRecord(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("updated_at")] string UpdatedAt,
    [property: JsonPropertyName("version")] long Version,
    [property: JsonPropertyName("notify_unreached")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? NotifyUnreached)
{
    public WrittenRecord(DataRecord record, IReadOnlyList<string>? notifyUnreached)
        : this(record.Key, record.Value, record.UpdatedAt, record.Version, notifyUnreached)
    {
    }
}

/// <summary>The answer of a committed DELETE when some cache nodes did not confirm in time (else 204).</summary>
public sealed record DeletedKey(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("notify_unreached")] IReadOnlyList<string> NotifyUnreached);

[JsonSerializable(typeof(DataRecord))]
[JsonSerializable(typeof(WrittenRecord))]
[JsonSerializable(typeof(DeletedKey))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(KeysBody))]
[JsonSerializable(typeof(HealthBody))]
internal sealed partial class SourceJsonContext : JsonSerializerContext;

/// <summary>The serializer metadata every endpoint writes with.</summary>
internal static class SourceJson
{
    /// <summary>
    /// Source-generated (no reflection on the hot path) and writing non-ASCII text as UTF-8 rather than
    /// \u escapes: these are API bodies, never embedded in HTML.
    /// </summary>
    public static readonly SourceJsonContext Context = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
