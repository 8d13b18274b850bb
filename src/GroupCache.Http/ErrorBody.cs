using System.Buffers;
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

    /// <summary>The error text of a body: the "error" member when it is our JSON, else the text itself.</summary>
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
                        return reader.GetString() ?? string.Empty;
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

        return Encoding.UTF8.GetString(body).Trim();
    }
}
