using System.Buffers;
using System.IO.Pipelines;
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
/// a length it would frame every small answer as chunked. Longer bodies go into the response pipe as
/// they are written, chunked; a value longer than one segment is flushed a segment at a time and waits
/// for the client, so that a slow reader holds back the writing instead of making the node keep a whole
/// escaped copy of the value in the pipe.
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

    /// <summary>200 {"key": key, "value": value}; completes at once unless the value is longer than a segment.</summary>
    public static Task WriteValueAsync(HttpResponse response, string key, ByteView value, CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        if (value.Length > Segment)
        {
            return WriteLongValueAsync(response.BodyWriter, key, value.AsMemory(), cancellationToken);
        }

        bool buffered = value.Length <= MaxBufferedValueBytes; // keys are at most DataKey.MaxBytes
        var writer = buffered ? RentBuffered() : Rent(response.BodyWriter);
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
        Return(writer, buffered ? response : null);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A long value as a JSON string, escaped a segment at a time, each segment flushed to the client
    /// before the next is written. Escaped whole, a value rents a buffer of six times its length (a
    /// control byte becomes <c>\u00XX</c>), and one longer than 166,666,666 bytes
    /// (<c>JsonConstants.MaxUnescapedTokenSize</c>) throws: an empty 500 on every read of a key the
    /// cache holds. Bytes that are not UTF-8 are decoded with replacement characters, as
    /// <see cref="ByteView.ToString"/> does, a segment at a time too. Its own writer, not the
    /// per-thread one: the method resumes on whichever thread the flush completes on.
    /// </summary>
    private static async Task WriteLongValueAsync(PipeWriter pipe, string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(pipe, Options);
        writer.WriteStartObject();
        writer.WriteString("key"u8, key);
        writer.WritePropertyName("value"u8);
        var decoder = Utf8.IsValid(value.Span) ? null : Encoding.UTF8.GetDecoder();
        char[]? chars = decoder is null ? null : ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(Segment));
        try
        {
            for (int start = 0; start < value.Length; start += Segment)
            {
                int length = Math.Min(Segment, value.Length - start);
                bool last = start + length == value.Length;
                WriteSegment(writer, value.Span.Slice(start, length), last, decoder, chars);
                if (last)
                {
                    break;
                }

                writer.Flush();
                var flushed = await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return; // the client went away
                }
            }
        }
        finally
        {
            if (chars is not null)
            {
                ArrayPool<char>.Shared.Return(chars);
            }
        }

        writer.WriteEndObject();
    }

    // The writer keeps a code point cut between two segments until the next one; the decoder keeps
    // the bytes of one cut in the same way.
    private static void WriteSegment(Utf8JsonWriter writer, ReadOnlySpan<byte> segment, bool last, Decoder? decoder, char[]? chars)
    {
        if (decoder is null)
        {
            writer.WriteStringValueSegment(segment, isFinalSegment: last);
            return;
        }

        int count = decoder.GetChars(segment, chars, flush: last);
        writer.WriteStringValueSegment(chars.AsSpan(0, count), isFinalSegment: last);
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
