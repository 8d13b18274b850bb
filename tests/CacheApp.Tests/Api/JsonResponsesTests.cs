using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using CacheApp.Api;
using GroupCache;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CacheApp.Tests.Api;

/// <summary>The data API's value bodies, written into a real response pipe and read back as JSON.</summary>
public class JsonResponsesTests
{
    private static async Task<byte[]> WriteAsync(string key, byte[] value)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;

        await JsonResponses.WriteValueAsync(context.Response, key, new ByteView(value), CancellationToken.None);
        await context.Response.BodyWriter.CompleteAsync();

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        return body.ToArray();
    }

    private static string ValueOf(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("value").GetString()!;
    }

    [Theory]
    [InlineData(100)]
    [InlineData(3000)]
    [InlineData(64 * 1024)]
    [InlineData((64 * 1024) + 1)]
    [InlineData(300_000)]
    public async Task WriteValue_TextNeedingEscapes_CutAcrossSegments_ReadsBackExactly(int length)
    {
        // Quotes, backslashes, control bytes and multi-byte characters (two, three and four bytes),
        // so that some character straddles every 64 KiB boundary.
        string unit = "a\"b\\c\u0001é€😀\n";
        var text = new StringBuilder();
        while (Encoding.UTF8.GetByteCount(text.ToString()) < length)
        {
            text.Append(unit);
        }

        byte[] value = Encoding.UTF8.GetBytes(text.ToString());

        Assert.Equal(text.ToString(), ValueOf(await WriteAsync("k", value)));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(200_000)]
    public async Task WriteValue_BytesThatAreNotUtf8_ReadBackWithReplacementCharacters(int length)
    {
        var value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            // ASCII with a stray continuation byte and a cut-off three-byte sequence now and then,
            // some of them across a segment boundary.
            value[i] = (i % 997) switch { 0 => 0x80, 1 => 0xE2, 2 => 0x82, _ => (byte)('a' + (i % 26)) };
        }

        Assert.Equal(Encoding.UTF8.GetString(value), ValueOf(await WriteAsync("k", value)));
    }

    [Fact]
    public async Task WriteValue_LongerThanTheWritersLimitForOneToken_IsWrittenWhole()
    {
        // Escaped in one piece, more than 166,666,666 bytes threw (an empty 500 on every read).
        var value = new byte[170_000_000];
        value.AsSpan().Fill((byte)'x');
        value[^1] = (byte)'"';

        byte[] json = await WriteAsync("big", value);

        byte[] head = Encoding.UTF8.GetBytes("{\"key\":\"big\",\"value\":\"xxx");
        byte[] tail = Encoding.UTF8.GetBytes("xx\\\"\"}");
        Assert.Equal(head, json[..head.Length]);
        Assert.Equal(tail, json[^tail.Length..]);
        Assert.Equal(value.Length + "{\"key\":\"big\",\"value\":\"\"}".Length + 1, json.Length);
    }

    /// <summary>A response pipe that records the most bytes written between two flushes: what the node holds for a client that reads slowly.</summary>
    private sealed class FlushWatchingBody(Stream stream) : PipeWriter, IHttpResponseBodyFeature
    {
        private readonly PipeWriter _inner = PipeWriter.Create(stream);
        private long _sinceFlush;

        public long MostUnflushed { get; private set; }

        public int Flushes { get; private set; }

        public Stream Stream => stream;

        public PipeWriter Writer => this;

        public override void Advance(int bytes)
        {
            _sinceFlush += bytes;
            MostUnflushed = Math.Max(MostUnflushed, _sinceFlush);
            _inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => _inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => _inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            _sinceFlush = 0;
            Flushes++;
            return _inner.FlushAsync(cancellationToken);
        }

        public override void CancelPendingFlush() => _inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => _inner.Complete(exception);

        public void DisableBuffering()
        {
        }

        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task CompleteAsync() => _inner.CompleteAsync().AsTask();
    }

    [Theory]
    [InlineData((byte)'x')]   // plain text
    [InlineData((byte)1)]     // control bytes: six bytes of JSON each
    [InlineData((byte)0xFF)]  // not UTF-8
    public async Task WriteValue_LongValue_IsFlushedASegmentAtATime(byte fill)
    {
        // Kestrel holds whatever was written and not flushed; unflushed, a 4 MB value of control bytes
        // was a 24 MB answer in memory per slow client.
        var value = new byte[4_000_000];
        value.AsSpan().Fill(fill);
        var context = new DefaultHttpContext();
        using var stream = new MemoryStream();
        var body = new FlushWatchingBody(stream);
        context.Features.Set<IHttpResponseBodyFeature>(body);

        await JsonResponses.WriteValueAsync(context.Response, "k", new ByteView(value), CancellationToken.None);
        await body.FlushAsync();

        Assert.True(body.Flushes >= value.Length / (64 * 1024), $"{body.Flushes} flushes");
        Assert.True(body.MostUnflushed <= 6 * 64 * 1024 + 64, $"{body.MostUnflushed} bytes written between two flushes");
        Assert.Equal(Encoding.UTF8.GetString(value), ValueOf(stream.ToArray()));
    }
}
