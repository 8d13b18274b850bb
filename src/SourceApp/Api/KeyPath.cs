using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;

namespace SourceApp.Api;

/// <summary>
/// Reads a key from the request target of <c>/api/data/{key}</c>. Keys are 1 to 250 bytes of UTF-8,
/// percent-encoded in the path, and must round-trip exactly, so the key is decoded here from the raw
/// target: Kestrel leaves %2F encoded in <c>Request.Path</c> (and decodes everything else), which would
/// make "a%2Fb" and "a/b" differ from what the client meant. A '+' in a path is a literal plus.
/// </summary>
public static class KeyPath
{
    public const string DataPrefix = "/api/data/";
    public const int MaxKeyBytes = 250;

    /// <summary>Decodes the key from <paramref name="context"/>'s raw target; false with a message for a 400.</summary>
    public static bool TryGetKey(HttpContext context, [NotNullWhen(true)] out string? key, [NotNullWhen(false)] out string? error)
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (!string.IsNullOrEmpty(raw))
            return TryDecodeTarget(raw, out key, out error);

        // A server without a raw target (the in-memory TestServer) decodes the whole path itself,
        // %2F included, so its Path is already the exact key.
        var path = context.Request.Path.Value ?? "";
        key = path.StartsWith(DataPrefix, StringComparison.OrdinalIgnoreCase) ? path[DataPrefix.Length..] : "";
        if (key.Length == 0)
        {
            key = null;
            error = "the key is empty";
            return false;
        }

        if (!IsValidKeyText(key))
        {
            key = null;
            error = $"the key must be 1 to {MaxKeyBytes} bytes of UTF-8";
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
        var query = path.IndexOf('?');
        if (query >= 0)
            path = path[..query];

        // Absolute-form targets (http://host/api/data/k) are legal HTTP; keep only the path.
        var scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0 && path[..scheme].IndexOf('/') < 0)
        {
            var rest = path[(scheme + 3)..];
            var slash = rest.IndexOf('/');
            path = slash < 0 ? [] : rest[slash..];
        }

        if (!path.StartsWith(DataPrefix, StringComparison.OrdinalIgnoreCase))
        {
            key = null;
            error = "the key must follow /api/data/ in the path";
            return false;
        }

        return TryDecode(path[DataPrefix.Length..], out key, out error);
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

        // Each key byte takes at most 3 characters ("%XX"); anything longer cannot be a valid key.
        if (encoded.Length > MaxKeyBytes * 3)
        {
            error = $"the key is longer than {MaxKeyBytes} bytes";
            return false;
        }

        Span<byte> bytes = stackalloc byte[MaxKeyBytes * 3 * 4];
        var length = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%')
            {
                if (i + 2 >= encoded.Length || !IsHex(encoded[i + 1]) || !IsHex(encoded[i + 2]))
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
                // A server may hand over raw non-ASCII characters; they stand for their UTF-8 bytes.
                if (Rune.DecodeFromUtf16(encoded[i..], out var rune, out _) != System.Buffers.OperationStatus.Done)
                {
                    error = "the key is not valid UTF-8";
                    return false;
                }

                length += rune.EncodeToUtf8(bytes[length..]);
                i += rune.Utf16SequenceLength - 1;
            }
        }

        var utf8 = bytes[..length];
        if (length > MaxKeyBytes)
        {
            error = $"the key is longer than {MaxKeyBytes} bytes";
            return false;
        }

        if (!Utf8.IsValid(utf8))
        {
            error = "the key is not valid UTF-8";
            return false;
        }

        key = Encoding.UTF8.GetString(utf8);
        error = null;
        return true;
    }

    /// <summary>Checks a key that arrived already decoded (a query parameter).</summary>
    public static bool IsValidKeyText(string text) =>
        text.Length > 0 && Encoding.UTF8.GetByteCount(text) <= MaxKeyBytes && !HasLoneSurrogate(text);

    internal static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return true;
        }

        return false;
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
