using System.Text;

namespace SourceApp.Tests.Support;

internal static class Keys
{
    /// <summary>The request path of a key, every reserved character percent-encoded.</summary>
    public static string DataPath(string key) => "/api/data/" + Uri.EscapeDataString(key);

    /// <summary>Orders strings as SQLite's BINARY collation does: by UTF-8 bytes.</summary>
    public static int CompareUtf8(string a, string b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    public static StringContent Json(string body, string? mediaType = "application/json")
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = mediaType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    public static StringContent ValueBody(string value) =>
        Json("{\"value\":" + System.Text.Json.JsonSerializer.Serialize(value) + "}");
}
