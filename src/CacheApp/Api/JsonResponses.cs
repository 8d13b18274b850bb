using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using GroupCache;

namespace CacheApp.Api;

/// <summary>
/// Writes the data API's JSON bodies with a per-thread <see cref="Utf8JsonWriter"/>, so that a cache
/// hit allocates next to nothing.
/// </summary>
/// <remarks>
/// The body of a small value or an error is written to a per-thread buffer first, so that the
/// response carries a Content-Length: Kestrel sends its headers on the first write, and without
/// a length it would frame every small answer as chunked. Longer bodies (big values) stream into the
/// response pipe as they are written, chunked, instead of being held twice in memory.
/// </remarks>
internal static class JsonResponses
{
    public const string ContentType = "application/json; charset=utf-8";

    // Values up to this size are buffered. Escaping can make the JSON longer than the value (six bytes
    // for a control byte); the buffer grows if it must, but in the common case it never does.
    private const int MaxBufferedValueBytes = 2048;

    // Values longer than this are escaped a segment of this many bytes at a time (WriteInSegments).
    private const int Segment = 64 * 1024;

    // Bodies are JSON for programs, not HTML: non-ASCII text stays readable instead of \uXXXX.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Where an idle writer points; nothing is ever written to it.
    private static readonly ArrayBufferWriter<byte> Detached = new(1);

    [ThreadStatic]
    private static Utf8JsonWriter? ThreadWriter;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? ThreadBuffer;

    /// <summary>200 {"key": key, "value": value}.</summary>
    public static void WriteValue(HttpResponse response, string key, ByteView value)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        bool buffered = value.Length <= MaxBufferedValueBytes; // keys are at most DataKey.MaxBytes
        var writer = buffered ? RentBuffered() : Rent(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("key"u8, key);
        if (value.Length > Segment)
        {
            writer.WritePropertyName("value"u8);
            WriteInSegments(writer, value.Span);
        }
        else if (Utf8.IsValid(value.Span))
        {
            writer.WriteString("value"u8, value.Span);
        }
        else
        {
            // Not text (a Go peer may hold any bytes): show it with replacement characters.
            writer.WriteString("value"u8, value.ToString());
        }

        writer.WriteEndObject();
        Return(writer, buffered ? response : null);
    }

    /// <summary>
    /// A long value as a JSON string, escaped a segment at a time. Escaped whole, a value rents a
    /// buffer of six times its length (a control byte becomes <c>\u00XX</c>), and one longer than
    /// 166,666,666 bytes (<c>JsonConstants.MaxUnescapedTokenSize</c>) throws: an empty 500 on every
    /// read of a key the cache holds. Bytes that are not UTF-8 are decoded with replacement
    /// characters, as <see cref="ByteView.ToString"/> does, a segment at a time too.
    /// </summary>
    private static void WriteInSegments(Utf8JsonWriter writer, ReadOnlySpan<byte> value)
    {
        if (Utf8.IsValid(value))
        {
            // The writer keeps a code point cut between two segments until the next one.
            for (int start = 0; start < value.Length; start += Segment)
            {
                int length = Math.Min(Segment, value.Length - start);
                writer.WriteStringValueSegment(value.Slice(start, length), isFinalSegment: start + length == value.Length);
            }

            return;
        }

        var decoder = Encoding.UTF8.GetDecoder();
        char[] chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(Segment));
        try
        {
            for (int start = 0; start < value.Length; start += Segment)
            {
                int length = Math.Min(Segment, value.Length - start);
                bool last = start + length == value.Length;
                int count = decoder.GetChars(value.Slice(start, length), chars, flush: last);
                writer.WriteStringValueSegment(chars.AsSpan(0, count), isFinalSegment: last);
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
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
        bool buffered = message.Length <= MaxBufferedValueBytes;
        var writer = buffered ? RentBuffered() : Rent(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("error"u8, message);
        writer.WriteEndObject();
        Return(writer, buffered ? response : null);
        return Task.CompletedTask;
    }

    private static Utf8JsonWriter RentBuffered()
    {
        var buffer = ThreadBuffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        return Rent(buffer);
    }

    private static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        var writer = ThreadWriter;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(output, Options);
            ThreadWriter = writer;
        }
        else
        {
            writer.Reset(output);
        }

        return writer;
    }

    /// <param name="buffered">The response to copy the per-thread buffer to, with its length; null when the writer wrote to the response directly.</param>
    private static void Return(Utf8JsonWriter writer, HttpResponse? buffered)
    {
        writer.Flush();

        // Let go of the response's pipe so that the cached writer does not keep it alive. (Not
        // Reset(Stream.Null): a writer switched to a stream allocates a buffer for it every time.)
        writer.Reset(Detached);
        if (buffered is not null)
        {
            var body = ThreadBuffer!.WrittenSpan;
            buffered.ContentLength = body.Length;
            buffered.BodyWriter.Write(body);
        }
    }
}
