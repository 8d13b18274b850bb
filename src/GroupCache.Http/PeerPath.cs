using System.Buffers;
using System.Text;

namespace GroupCache.Http;

/// <summary>
/// The path of a peer request, <c>{basePath}{group}/{key}</c>, both ways.
/// </summary>
/// <remarks>
/// Go clients escape group and key with <c>url.QueryEscape</c>, so a space arrives as '+'. Go
/// servers read the key from the already unescaped path, where '+' stays '+' — in a pure Go ring
/// the key "a b" reaches its owner as "a+b". So the two directions differ on purpose: the server
/// decodes like a query ('+' is a space, %XX a byte), and the client escapes every byte but the
/// unreserved ones, a space as %20 and '+' as %2B, which both decoders turn back into the exact key.
/// </remarks>
internal static class PeerPath
{
    private const int StackLimit = 256;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>RFC 3986's unreserved characters: the only ones the client sends as they are.</summary>
    public static bool IsUnreserved(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    /// <summary>Percent-escapes every UTF-8 byte of <paramref name="text"/> that is not unreserved.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Concat(string.Empty, text);
    }

    /// <summary><paramref name="prefix"/> followed by <paramref name="text"/> escaped, built in one allocation.</summary>
    public static string Concat(string prefix, string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        Span<byte> utf8 = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int n = Encoding.UTF8.GetBytes(text, utf8);
            utf8 = utf8[..n];
            int length = prefix.Length;
            foreach (byte b in utf8)
            {
                length += IsUnreserved((char)b) ? 1 : 3;
            }

            if (length == prefix.Length + text.Length && utf8.Length == text.Length)
            {
                // Nothing to escape: the common case of plain ASCII keys.
                return string.Concat(prefix, text);
            }

            return string.Create(length, new EscapeState(prefix, utf8), static (dest, state) =>
            {
                state.Prefix.CopyTo(dest);
                int at = state.Prefix.Length;
                foreach (byte b in state.Utf8)
                {
                    if (IsUnreserved((char)b))
                    {
                        dest[at++] = (char)b;
                    }
                    else
                    {
                        dest[at++] = '%';
                        dest[at++] = HexUpper(b >> 4);
                        dest[at++] = HexUpper(b & 0xF);
                    }
                }
            });
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>The path of a request target (origin or absolute form), without query or fragment.</summary>
    public static ReadOnlySpan<char> PathOf(ReadOnlySpan<char> target)
    {
        if (target.Length > 0 && target[0] != '/')
        {
            // Absolute form, "http://host:port/path": the authority after "//" ends at the first
            // '/', '?' or '#' (RFC 3986 3.2). When a '?' or '#' ends it, the path is empty — Kestrel
            // gives the pipeline "/" — and a '/' further on lies in the query or fragment: read
            // as the path, "http://host?/_groupcache/g/k" was served to a request that every
            // middleware before this one saw as a request for "/".
            int scheme = target.IndexOf("://", StringComparison.Ordinal);
            if (scheme < 0)
            {
                return [];
            }

            var afterScheme = target[(scheme + 3)..];
            int authorityEnd = afterScheme.IndexOfAny('/', '?', '#');
            target = authorityEnd < 0 || afterScheme[authorityEnd] != '/' ? [] : afterScheme[authorityEnd..];
        }

        int end = target.IndexOfAny('?', '#');
        return end < 0 ? target : target[..end];
    }

    /// <summary>
    /// Splits the raw path after the base path at its first '/' — before unescaping, so that an
    /// escaped '/' (%2F) belongs to the group or key it is in — and unescapes both halves.
    /// </summary>
    /// <returns>
    /// False when the path has no '/' after the group, does not unescape to UTF-8, or has a key
    /// of several raw segments with a dot segment among them (see <see cref="HasDotSegment"/>).
    /// </returns>
    public static bool TrySplit(ReadOnlySpan<char> rawRest, out string group, out string key)
    {
        group = key = string.Empty;
        int slash = rawRest.IndexOf('/');
        return slash >= 0
            && !(rawRest[(slash + 1)..].Contains('/') && HasDotSegment(rawRest))
            && TryUnescape(rawRest[..slash], out group)
            && TryUnescape(rawRest[(slash + 1)..], out key);
    }

    /// <summary>
    /// Whether a '/'-separated segment of <paramref name="rawPath"/> is "." or "..", escaped
    /// (%2E) or not. The server removes such segments from the path it gives the pipeline, so
    /// with a key of several raw segments (no client sends one: Go's and ours escape '/') the
    /// middleware before the endpoint and the endpoint would read different resources:
    /// "/_groupcache/data/x/../../../other" is "/other" to the one and key "x/../../../other" of
    /// group "data" to the other. A lone "." or ".." group or key (which clients do send, and
    /// which stays in its place) is not looked at.
    /// </summary>
    private static bool HasDotSegment(ReadOnlySpan<char> rawPath)
    {
        foreach (var range in rawPath.Split('/'))
        {
            var segment = rawPath[range];
            int dots = 0;
            while (!segment.IsEmpty && dots <= 2)
            {
                if (segment[0] == '.')
                {
                    segment = segment[1..];
                }
                else if (segment.StartsWith("%2E", StringComparison.OrdinalIgnoreCase))
                {
                    segment = segment[3..];
                }
                else
                {
                    break;
                }

                dots++;
            }

            if (segment.IsEmpty && dots is 1 or 2)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// For servers that expose no raw request target (ASP.NET Core's TestServer): splits a path the
    /// server has already unescaped except for %2F, in which '+' is therefore a '+'. A key that
    /// holds the text "%2F" itself cannot be told from one holding '/' there.
    /// </summary>
    public static bool TrySplitDecoded(ReadOnlySpan<char> decodedRest, out string group, out string key)
    {
        group = key = string.Empty;
        int slash = decodedRest.IndexOf('/');
        if (slash < 0)
        {
            return false;
        }

        group = decodedRest[..slash].ToString().Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        key = decodedRest[(slash + 1)..].ToString().Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        return true;
    }

    /// <summary>Go's <c>url.QueryUnescape</c>: '+' is a space, %XX a byte; then strict UTF-8.</summary>
    public static bool TryUnescape(ReadOnlySpan<char> escaped, out string text)
    {
        text = string.Empty;
        if (escaped.IsEmpty)
        {
            return true;
        }

        if (escaped.IndexOfAny('%', '+') < 0 && !HasNonAscii(escaped))
        {
            text = escaped.ToString();
            return true;
        }

        // Unescaping never grows ASCII; a non-ASCII char (not sent by HTTP clients, but a test
        // host may pass it on) takes at most three UTF-8 bytes.
        int max = escaped.Length * 3;
        byte[]? rented = null;
        Span<byte> bytes = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int n = 0;
            for (int i = 0; i < escaped.Length; i++)
            {
                char c = escaped[i];
                if (c == '%')
                {
                    if (i + 2 >= escaped.Length)
                    {
                        return false;
                    }

                    int hi = HexValue(escaped[i + 1]);
                    int lo = HexValue(escaped[i + 2]);
                    if (hi < 0 || lo < 0)
                    {
                        return false;
                    }

                    bytes[n++] = (byte)((hi << 4) | lo);
                    i += 2;
                }
                else if (c == '+')
                {
                    bytes[n++] = (byte)' ';
                }
                else if (c < 0x80)
                {
                    bytes[n++] = (byte)c;
                }
                else
                {
                    if (System.Text.Rune.DecodeFromUtf16(escaped[i..], out var rune, out int used) != OperationStatus.Done)
                    {
                        return false;
                    }

                    n += rune.EncodeToUtf8(bytes[n..]);
                    i += used - 1;
                }
            }

            try
            {
                text = StrictUtf8.GetString(bytes[..n]);
            }
            catch (DecoderFallbackException)
            {
                return false;
            }

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

    private readonly ref struct EscapeState(string prefix, ReadOnlySpan<byte> utf8)
    {
        public string Prefix { get; } = prefix;

        public ReadOnlySpan<byte> Utf8 { get; } = utf8;
    }

    private static bool HasNonAscii(ReadOnlySpan<char> text) => !System.Text.Ascii.IsValid(text);

    private static char HexUpper(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
