using Microsoft.Net.Http.Headers;

namespace ServiceCommon;

/// <summary>
/// The Content-Types a PUT's <c>{"value": …}</c> body is read as JSON under, by the source and by a
/// node that writes through to it (which refuses the rest itself, so that a write the source would
/// refuse is not sent, nor followed by an invalidation).
/// </summary>
public static class JsonBodyType
{
    /// <summary>The error for a Content-Type that is not accepted (415).</summary>
    public const string Refusal = "the body must be JSON (Content-Type application/json)";

    /// <summary>
    /// JSON types, and also missing, form and text types, because the seed's example
    /// <c>curl -X PUT -d '{"value":"…"}'</c> sends its JSON as application/x-www-form-urlencoded.
    /// </summary>
    public static bool IsAccepted(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return true;
        }

        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return false;
        }

        var type = media.MediaType.Value ?? "";
        return type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || (type.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && type.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            || type.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            || type.Equals("text/plain", StringComparison.OrdinalIgnoreCase);
    }
}
