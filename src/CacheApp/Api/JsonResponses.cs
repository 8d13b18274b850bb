using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using GroupCache;

namespace CacheApp.Api;

/// <summary>
/// Writes the data API's small bodies straight into the response pipe with a per-thread
/// <see cref="Utf8JsonWriter"/>, so that a cache hit allocates next to nothing.
/// </summary>
internal static class JsonResponses
{
    public const string ContentType = "application/json; charset=utf-8";

    // Bodies are JSON for programs, not HTML: non-ASCII text stays readable instead of \uXXXX.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>200 {"key": key, "value": value}.</summary>
    public static void WriteValue(HttpResponse response, string key, ByteView value)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        var writer = Rent(response);
        writer.WriteStartObject();
        writer.WriteString("key"u8, key);
        if (Utf8.IsValid(value.Span))
        {
            writer.WriteString("value"u8, value.Span);
        }
        else
        {
            // Not text (a Go peer may hold any bytes): show it with replacement characters.
            writer.WriteString("value"u8, value.ToString());
        }

        writer.WriteEndObject();
        Return(writer);
    }

    /// <summary>{"error": message} with <paramref name="status"/>.</summary>
    public static Task WriteErrorAsync(HttpResponse response, int status, string message)
    {
        if (response.HasStarted)
        {
            return Task.CompletedTask;
        }

        response.StatusCode = status;
        response.ContentType = ContentType;
        var writer = Rent(response);
        writer.WriteStartObject();
        writer.WriteString("error"u8, message);
        writer.WriteEndObject();
        Return(writer);
        return Task.CompletedTask;
    }

    private static Utf8JsonWriter Rent(HttpResponse response)
    {
        var writer = t_writer;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(response.BodyWriter, Options);
            t_writer = writer;
        }
        else
        {
            writer.Reset(response.BodyWriter);
        }

        return writer;
    }

    private static void Return(Utf8JsonWriter writer)
    {
        writer.Flush();

        // Let go of the response's pipe so that the cached writer does not keep it alive.
        writer.Reset(Stream.Null);
    }
}
