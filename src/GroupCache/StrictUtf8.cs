using System.Buffers;
using System.Text.Unicode;

namespace GroupCache;

/// <summary>
/// Whether bytes are the UTF-8 of a string, encoded strictly: a string with a lone surrogate has no
/// UTF-8 form and matches no bytes. (Encoding.UTF8 writes U+FFFD in its place, the bytes of another
/// string, which made two such keys one key in the cache.)
/// </summary>
internal static class StrictUtf8
{
    private const int StackLimit = 256;

    public static bool IsEncodingOf(ReadOnlySpan<byte> bytes, string text)
    {
        if (text.Length > bytes.Length || 3L * text.Length < bytes.Length)
        {
            return false; // a char takes one to three bytes
        }

        Span<byte> encoded = bytes.Length <= StackLimit ? stackalloc byte[StackLimit] : new byte[bytes.Length];
        encoded = encoded[..bytes.Length];

        // A string that encodes to more than bytes.Length does not fit, and is not equal.
        return Utf8.FromUtf16(text, encoded, out _, out int written, replaceInvalidSequences: false) == OperationStatus.Done
            && written == bytes.Length
            && bytes.SequenceEqual(encoded);
    }
}
