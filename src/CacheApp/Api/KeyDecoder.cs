using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace CacheApp.Api;

/// <summary>
/// Reads a key from the raw request target, so that any key works once percent-encoded: "%2F" is a
/// slash inside the key, "+" is a plus (not a space), and the bytes must be UTF-8.
/// </summary>
public static class KeyDecoder
{
    /// <summary>Keys longer than this (in UTF-8 bytes) are refused, as memcached refuses them.</summary>
    public const int MaxKeyBytes = 250;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes <paramref name="encoded"/> (the target after the route prefix, query already cut).</summary>
    public static bool TryDecode(ReadOnlySpan<char> encoded, [NotNullWhen(true)] out string? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        if (encoded.IsEmpty)
        {
            error = "key is empty";
            return false;
        }

        if (encoded.IndexOf('%') < 0)
        {
            // The common case: nothing to decode, and an ASCII target is its own UTF-8.
            if (encoded.Length > MaxKeyBytes && Encoding.UTF8.GetByteCount(encoded) > MaxKeyBytes)
            {
                error = $"key is longer than {MaxKeyBytes} bytes";
                return false;
            }

            key = encoded.ToString();
            error = null;
            return true;
        }

        byte[]? rented = null;
        int capacity = Encoding.UTF8.GetMaxByteCount(encoded.Length);
        Span<byte> bytes = capacity <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(capacity));
        try
        {
            int n = 0;
            for (int i = 0; i < encoded.Length; i++)
            {
                char c = encoded[i];
                if (c == '%')
                {
                    if (i + 2 >= encoded.Length || !char.IsAsciiHexDigit(encoded[i + 1]) || !char.IsAsciiHexDigit(encoded[i + 2]))
                    {
                        error = "key has a malformed percent-encoding";
                        return false;
                    }

                    bytes[n++] = (byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2]));
                    i += 2;
                }
                else if (c < 0x80)
                {
                    bytes[n++] = (byte)c;
                }
                else
                {
                    n += Encoding.UTF8.GetBytes(encoded.Slice(i, char.IsHighSurrogate(c) && i + 1 < encoded.Length ? 2 : 1), bytes[n..]);
                    i += char.IsHighSurrogate(c) && i + 1 < encoded.Length ? 1 : 0;
                }
            }

            if (n == 0)
            {
                error = "key is empty";
                return false;
            }

            if (n > MaxKeyBytes)
            {
                error = $"key is longer than {MaxKeyBytes} bytes";
                return false;
            }

            try
            {
                key = StrictUtf8.GetString(bytes[..n]);
            }
            catch (DecoderFallbackException)
            {
                error = "key is not valid UTF-8 once percent-decoded";
                return false;
            }

            error = null;
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
