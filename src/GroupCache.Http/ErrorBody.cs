using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GroupCache.Http;

/// <summary>The <c>{"error": "..."}</c> body of the endpoint's failures, both ways.</summary>
internal static class ErrorBody
{
    /// <summary>The longest error text a client reads; a peer's error page is not worth more.</summary>
    public const int MaxBytes = 4096;

    public static byte[] Encode(string message)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("error", message);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The error text of a body: the "error" member when it is our JSON, else the text itself; made
    /// <see cref="Printable"/> either way, because it ends up in our exceptions and log lines.
    /// </summary>
    public static string Decode(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool isError = reader.ValueTextEquals("error"u8);
                    reader.Read();
                    if (isError && reader.TokenType == JsonTokenType.String)
                    {
                        return Printable(reader.GetString() ?? string.Empty);
                    }

                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // Not ours (a Go node's plain text, a proxy's page): fall back to the text.
        }
        catch (InvalidOperationException)
        {
            // JSON whose "error" string GetString cannot return (invalid UTF-8 in it, an escaped
            // lone surrogate): the text too, or a 404 marked "not found" would lose its meaning.
        }

        return Printable(Encoding.UTF8.GetString(body).Trim());
    }

    /// <summary>
    /// A peer's text made safe to put into a log line or an exception message: control characters
    /// (line breaks, terminal escapes), line and paragraph separators and invisible format characters
    /// (bidirectional overrides) are written as <c>\uXXXX</c>, so that a peer can neither begin a
    /// forged line in our logs nor change what a reader of them sees. The result has at most
    /// <see cref="MaxBytes"/> characters, as the body it came from had at most that many bytes.
    /// </summary>
    public static string Printable(string text)
    {
        int first = 0;
        while (first < text.Length && !IsUnprintable(text[first]))
        {
            first++;
        }

        if (first == text.Length && text.Length <= MaxBytes)
        {
            return text;
        }

        var builder = new StringBuilder(text, 0, first, Math.Min(MaxBytes, text.Length + 64));
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (IsUnprintable(c))
            {
                if (builder.Length + 6 > MaxBytes)
                {
                    break;
                }

                builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                // A surrogate pair is kept whole or left out whole.
                int width = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
                if (builder.Length + width > MaxBytes)
                {
                    break;
                }

                builder.Append(text, i, width);
                i += width - 1;
            }
        }

        return builder.ToString();
    }

    private static bool IsUnprintable(char c) =>
        char.IsControl(c)
        || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Format;
}
