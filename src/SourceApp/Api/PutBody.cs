using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using ServiceCommon;
using SourceApp.Options;

namespace SourceApp.Api;

/// <summary>
/// Reads the <c>{"value": "..."}</c> body of a PUT, by hand rather than through model binding, so that
/// every way a body can be wrong gets its own 4xx and message.
/// </summary>
public static class PutBody
{
    // The first buffer's size at most, whatever Content-Length declares.
    private const int FirstBufferBytes = 64 * 1024;

    /// <summary>The body's value, or the status and message to answer with.</summary>
    public readonly record struct Result(string? Value, int StatusCode, string? Error)
    {
        public static Result Fail(int statusCode, string error) => new(null, statusCode, error);
    }

    /// <param name="maxBytes">The largest body accepted; a limit past <see cref="SourceOptions.LargestMaxBodyBytes"/> is held to it.</param>
    public static async Task<Result> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        // The parser allows no more, but whoever passes a larger limit must not get a body past what one
        // array can hold (and the buffer arithmetic below stays far from int overflow).
        maxBytes = Math.Min(maxBytes, SourceOptions.LargestMaxBodyBytes);

        if (!JsonBodyType.IsAccepted(request.ContentType))
        {
            return Result.Fail(StatusCodes.Status415UnsupportedMediaType, JsonBodyType.Refusal);
        }

        if (request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes);
        }

        // Let the server stop an oversized chunked body early too, not only our own count below.
        var sizeFeature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = maxBytes;
        }

        // The declared length only sizes the first buffer, up to 64 KiB: a client that declares the limit
        // and then sends a byte at a time must not hold that much memory per connection.
        var firstBytes = Math.Min(Math.Min(request.ContentLength ?? 4096, FirstBufferBytes), maxBytes);
        var buffer = ArrayPool<byte>.Shared.Rent((int)firstBytes + 1);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                int read;
                try
                {
                    read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                }
                catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
                {
                    return TooLarge(maxBytes);
                }

                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > maxBytes)
                {
                    return TooLarge(maxBytes);
                }
            }

            return Parse(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses a complete body: one JSON object whose "value" is a string; other members are ignored.</summary>
    public static Result Parse(ReadOnlySpan<byte> body)
    {
        string? value = null;
        var seen = false;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read())
            {
                return Result.Fail(StatusCodes.Status400BadRequest, "the body is empty; want {\"value\": \"...\"}");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return Result.Fail(StatusCodes.Status400BadRequest, "the body must be a JSON object like {\"value\": \"...\"}");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isValue = reader.ValueTextEquals("value"u8);
                reader.Read();
                if (!isValue)
                {
                    reader.Skip();
                    continue;
                }

                if (reader.TokenType != JsonTokenType.String)
                {
                    return Result.Fail(StatusCodes.Status400BadRequest, "\"value\" must be a string");
                }

                value = reader.GetString();
                seen = true;
            }

            // Reject anything after the object (a second value, garbage).
            if (reader.Read())
            {
                return Result.Fail(StatusCodes.Status400BadRequest, "malformed JSON: unexpected data after the object");
            }
        }
        catch (JsonException)
        {
            return Result.Fail(StatusCodes.Status400BadRequest, "malformed JSON body");
        }
        catch (InvalidOperationException)
        {
            // GetString on text that is not valid UTF-8/UTF-16 (e.g. an escaped lone surrogate).
            return Result.Fail(StatusCodes.Status400BadRequest, "malformed JSON body: invalid text in a string");
        }

        if (!seen || value is null)
        {
            return Result.Fail(StatusCodes.Status400BadRequest, "the body needs a string \"value\"");
        }

        return new Result(value, StatusCodes.Status200OK, null);
    }

    private static Result TooLarge(long maxBytes) =>
        Result.Fail(StatusCodes.Status413PayloadTooLarge, $"the body is larger than {maxBytes} bytes");
}
