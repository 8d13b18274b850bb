using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ServiceCommon;

/// <summary>
/// The key of <c>/api/data/{key}</c>, as both services read it: 1 to 250 bytes of UTF-8,
/// percent-encoded in the path, decoded from the raw request target so that it round-trips
/// exactly. Kestrel leaves %2F encoded in <c>Request.Path</c> and decodes everything else, which
/// would make "a%2Fb" and "a/b" differ from what the client meant; a '+' in a path is a literal plus.
/// </summary>
public static class DataKey
{
    /// <summary>The path the key follows.</summary>
    public const string Prefix = "/api/data/";

    /// <summary>Keys longer than this (in UTF-8 bytes) are refused, as memcached refuses them.</summary>
    public const int MaxBytes = 250;

    /// <summary>Reads the key from <paramref name="context"/>'s request target; false with a message for a 400.</summary>
    public static bool TryRead(HttpContext context, [NotNullWhen(true)] out string? key, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(context);
        string? raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw))
        {
            return TryDecodeTarget(raw, out key, out error);
        }

        // A server without a raw target (the in-memory TestServer) decodes the whole path itself,
        // %2F included, so its Path is already the exact key.
        string path = context.Request.Path.Value ?? string.Empty;
        key = path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? path[Prefix.Length..] : string.Empty;
        if (key.Length == 0)
        {
            key = null;
            error = "the key is empty";
            return false;
        }

        if (!IsValidText(key))
        {
            key = null;
            error = $"the key must be 1 to {MaxBytes} bytes of UTF-8";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Decodes the key from a raw request target such as <c>/api/data/a%2Fb?x=1</c>.</summary>
    public static bool TryDecodeTarget(string rawTarget, [NotNullWhen(true)] out string? key, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(rawTarget);
        var path = rawTarget.AsSpan();
        int query = path.IndexOf('?');
        if (query >= 0)
        {
            path = path[..query];
        }

        // Absolute-form targets (http://host/api/data/k) are legal HTTP; keep only the path.
        int scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0 && path[..scheme].IndexOf('/') < 0)
        {
            var rest = path[(scheme + 3)..];
            int slash = rest.IndexOf('/');
            path = slash < 0 ? [] : rest[slash..];
        }

        if (!path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            key = null;
            error = "the key must follow /api/data/ in the path";
            return false;
        }

        return TryDecode(path[Prefix.Length..], out key, out error);
    }

    /// <summary>Percent-decodes <paramref name="encoded"/> to a key, checking its UTF-8 and its length.</summary>
    public static bool TryDecode(ReadOnlySpan<char> encoded, [NotNullWhen(true)] out string? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (encoded.IsEmpty)
        {
            error = "the key is empty";
            return false;
        }

        if (encoded.IndexOf('%') < 0 && Ascii.IsValid(encoded))
        {
            // The common case: nothing to decode, and an ASCII target is its own UTF-8.
            if (encoded.Length > MaxBytes)
            {
                error = $"the key is longer than {MaxBytes} bytes";
                return false;
            }

            if (IsDotSegment(encoded))
            {
                error = DotSegmentError;
                return false;
            }

            key = encoded.ToString();
            error = null;
            return true;
        }

        // Each key byte takes at most 3 characters ("%XX"); anything longer cannot be a valid key.
        if (encoded.Length > MaxBytes * 3)
        {
            error = $"the key is longer than {MaxBytes} bytes";
            return false;
        }

        Span<byte> bytes = stackalloc byte[MaxBytes * 3 * 4];
        int length = 0;
        for (int i = 0; i < encoded.Length; i++)
        {
            char c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length || !char.IsAsciiHexDigit(encoded[i + 1]) || !char.IsAsciiHexDigit(encoded[i + 2]))
                {
                    error = "the key has invalid percent-encoding";
                    return false;
                }

                bytes[length++] = (byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2]));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes[length++] = (byte)c;
            }
            else
            {
                // A client may send raw non-ASCII characters; they stand for their UTF-8 bytes.
                if (Rune.DecodeFromUtf16(encoded[i..], out var rune, out _) != OperationStatus.Done)
                {
                    error = "the key is not valid UTF-8";
                    return false;
                }

                length += rune.EncodeToUtf8(bytes[length..]);
                i += rune.Utf16SequenceLength - 1;
            }
        }

        var utf8 = bytes[..length];
        if (length > MaxBytes)
        {
            error = $"the key is longer than {MaxBytes} bytes";
            return false;
        }

        if (!Utf8.IsValid(utf8))
        {
            error = "the key is not valid UTF-8";
            return false;
        }

        if (IsDotSegment(utf8))
        {
            error = DotSegmentError;
            return false;
        }

        key = Encoding.UTF8.GetString(utf8);
        error = null;
        return true;
    }

    /// <summary>Checks a key that arrived already decoded (a query parameter, a JSON field).</summary>
    public static bool IsValidText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > 0 && !HasLoneSurrogate(text) && Encoding.UTF8.GetByteCount(text) <= MaxBytes && !IsDotSegment(text);
    }

    /// <summary>
    /// Checks the start of keys (a listing's prefix): as a key, except that "." and ".." are fine —
    /// they are no path segment here, and ".hidden" or "..x" are keys that start with them.
    /// </summary>
    public static bool IsValidPrefix(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > 0 && !HasLoneSurrogate(text) && Encoding.UTF8.GetByteCount(text) <= MaxBytes;
    }

    // "." and ".." (however encoded) are path segments that every URL parser resolves away: a
    // node's request for such a key to the source, or the source's invalidation of it, would reach
    // /api/data/ or /api/ instead. Refused as keys, they are never written where nothing can read
    // or invalidate them.
    private const string DotSegmentError = "the key cannot be \".\" or \"..\": URLs resolve such a path segment away";

    private static bool IsDotSegment(ReadOnlySpan<char> key) => key is "." or "..";

    private static bool IsDotSegment(ReadOnlySpan<byte> utf8) => utf8.SequenceEqual("."u8) || utf8.SequenceEqual(".."u8);

    internal static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
