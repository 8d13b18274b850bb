using System.Text.Json.Serialization;

namespace SourceApp.Storage;

/// <summary>
/// One stored key/value pair. <see cref="Version"/> counts writes since the key was (re)created,
/// starting at 1; <see cref="UpdatedAt"/> is the commit's UTC time in RFC 3339 form.
/// </summary>
public sealed record DataRecord(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] string Value,
    [property: JsonPropertyName("updated_at")] string UpdatedAt,
    [property: JsonPropertyName("version")] long Version);

/// <summary>The outcome of a committed PUT: the stored record and whether the key was new.</summary>
public readonly record struct PutResult(DataRecord Record, bool Created);

/// <summary>One page of keys in key order; <see cref="HasMore"/> says whether a next page exists.</summary>
public sealed record KeyPage(IReadOnlyList<string> Keys, bool HasMore);
