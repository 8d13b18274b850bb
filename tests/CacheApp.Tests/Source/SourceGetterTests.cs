using System.Net;
using System.Text;
using CacheApp.Source;
using GroupCache;

namespace CacheApp.Tests.Source;

public class SourceGetterTests
{
    /// <summary>Answers every request with a function of it, and remembers the URLs asked for.</summary>
    private sealed class FakeSource(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.RequestUri!.AbsoluteUri);
            return answer(request, cancellationToken);
        }
    }

    private static FakeSource Answering(HttpStatusCode status, string body) =>
        new((_, _) => Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") }));

    private static SourceGetter Getter(HttpMessageHandler handler, TimeSpan? timeout = null, long maxValueBytes = 1 << 20) =>
        new(new HttpClient(handler), "http://127.0.0.1:8086/", timeout ?? TimeSpan.FromSeconds(5), maxValueBytes);

    private static FakeSource AnsweringContent(Func<HttpContent> content) =>
        new((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content() }));

    /// <summary>A body of unannounced length (chunked): bytes from a stream that cannot say its length.</summary>
    private sealed class UnannouncedStream(byte[] bytes, Exception? thenFail = null) : Stream
    {
        private int _position;

        public int BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = Math.Min(count, bytes.Length - _position);
            if (n == 0 && thenFail is not null)
            {
                throw thenFail;
            }

            Array.Copy(bytes, _position, buffer, offset, n);
            _position += n;
            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static string Record(string value) => $$"""{"key":"k","value":"{{value}}"}""";

    [Fact]
    public async Task GetAsync_Record_ReturnsOnlyTheValueBytes()
    {
        var source = Answering(HttpStatusCode.OK, """{"key":"k","value":"caf\u00e9 \"x\"","updated_at":"2026-01-01T00:00:00Z"}""");

        var value = await Getter(source).GetAsync("k", CancellationToken.None);

        Assert.Equal("café \"x\"", value.ToString());
    }

    [Fact]
    public async Task GetAsync_OddKey_IsPercentEncodedInTheUrl()
    {
        var source = Answering(HttpStatusCode.OK, """{"value":"v"}""");

        await Getter(source).GetAsync("a/b c+ü?", CancellationToken.None);

        Assert.Equal("http://127.0.0.1:8086/api/data/a%2Fb%20c%2B%C3%BC%3F", Assert.Single(source.Requests));
    }

    [Fact]
    public async Task GetAsync_Source404_ThrowsNotFound()
    {
        var source = Answering(HttpStatusCode.NotFound, """{"error":"key not found"}""");

        await Assert.ThrowsAsync<NotFoundException>(async () => await Getter(source).GetAsync("k", CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_Source400_ThrowsSourceRejectedKeyWhichIsAnArgumentException()
    {
        var source = Answering(HttpStatusCode.BadRequest, """{"error":"key is longer than 250 bytes"}""");

        var ex = await Assert.ThrowsAsync<SourceRejectedKeyException>(async () => await Getter(source).GetAsync(new string('k', 251), CancellationToken.None));

        Assert.IsAssignableFrom<ArgumentException>(ex);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, """{"error":"boom"}""")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "")]
    [InlineData(HttpStatusCode.OK, "not json")]
    [InlineData(HttpStatusCode.OK, """{"key":"k"}""")]
    [InlineData(HttpStatusCode.OK, """{"value":42}""")]
    public async Task GetAsync_BadAnswer_ThrowsSourceUnavailable(HttpStatusCode status, string body)
    {
        var source = Answering(status, body);

        await Assert.ThrowsAsync<SourceUnavailableException>(async () => await Getter(source).GetAsync("k", CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_Unreachable_ThrowsSourceUnavailableNamingTheErrorKindNotTheAddress()
    {
        var source = new FakeSource((_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:8086)"));

        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(async () => await Getter(source).GetAsync("k", CancellationToken.None));
        Assert.Equal("source unreachable (ConnectionError)", ex.Message);
        Assert.Contains("127.0.0.1:8086", ex.InnerException!.Message);
    }

    [Fact]
    public async Task GetAsync_SlowerThanTheTimeout_ThrowsSourceTimeout()
    {
        var source = new FakeSource(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });

        await Assert.ThrowsAsync<SourceTimeoutException>(async () =>
            await Getter(source, TimeSpan.FromMilliseconds(50)).GetAsync("k", CancellationToken.None));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetAsync_ValueOfExactlyMaxValueBytes_IsLoaded(bool chunked)
    {
        string value = new('v', 1000);
        var source = chunked
            ? AnsweringContent(() => new StreamContent(new UnannouncedStream(Encoding.UTF8.GetBytes(Record(value)))))
            : Answering(HttpStatusCode.OK, Record(value));

        var loaded = await Getter(source, maxValueBytes: 1000).GetAsync("k", CancellationToken.None);

        Assert.Equal(value, loaded.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetAsync_ValueOverMaxValueBytes_ThrowsSourceUnavailableNamingTheLimit(bool chunked)
    {
        string value = new('v', 1001);
        var source = chunked
            ? AnsweringContent(() => new StreamContent(new UnannouncedStream(Encoding.UTF8.GetBytes(Record(value)))))
            : Answering(HttpStatusCode.OK, Record(value));

        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(async () => await Getter(source, maxValueBytes: 1000).GetAsync("k", CancellationToken.None));

        Assert.Contains("1001 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("MAX_VALUE_BYTES", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_EscapedValueWithinTheLimit_IsLoadedThoughItsRecordIsSixTimesLonger()
    {
        // 1000 control bytes, each written by JSON as \u0001: a 6000-byte string for a 1000-byte value.
        string escaped = string.Concat(Enumerable.Repeat("\\u0001", 1000));
        var source = Answering(HttpStatusCode.OK, Record(escaped));

        var loaded = await Getter(source, maxValueBytes: 1000).GetAsync("k", CancellationToken.None);

        Assert.Equal(new string('\u0001', 1000), loaded.ToString());
    }

    [Fact]
    public async Task GetAsync_AnnouncedRecordOverTheLimit_IsRefusedWithoutReadingTheBody()
    {
        var body = new UnannouncedStream(new byte[100_000]);
        var source = AnsweringContent(() =>
        {
            var content = new StreamContent(body);
            content.Headers.ContentLength = 100_000;
            return content;
        });

        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(async () => await Getter(source, maxValueBytes: 1000).GetAsync("k", CancellationToken.None));

        Assert.Contains("100000 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, body.BytesRead);
    }

    [Fact]
    public async Task GetAsync_UnannouncedRecordOverTheLimit_StopsReadingJustPastIt()
    {
        // The limit for MAX_VALUE_BYTES=1000 is 6000 + 64 KiB of record; the source would send 10 MB.
        var body = new UnannouncedStream(new byte[10_000_000]);
        var source = AnsweringContent(() => new StreamContent(body));

        await Assert.ThrowsAsync<SourceUnavailableException>(async () => await Getter(source, maxValueBytes: 1000).GetAsync("k", CancellationToken.None));

        Assert.Equal(6000 + (64 * 1024) + 1, body.BytesRead);
    }

    [Fact]
    public async Task GetAsync_LargeAnnouncedLengthButFewBytes_BuffersWhatArrivesNotWhatWasAnnounced()
    {
        // 300 MB announced (under the 384 MiB record limit of MAX_VALUE_BYTES=64MB), ten bytes sent.
        var body = new UnannouncedStream("""{"value":"""u8.ToArray());
        var source = AnsweringContent(() =>
        {
            var content = new StreamContent(body);
            content.Headers.ContentLength = 300_000_000;
            return content;
        });
        var getter = Getter(source, maxValueBytes: 64L << 20);

        long before = GC.GetTotalAllocatedBytes(precise: true);
        await Assert.ThrowsAsync<SourceUnavailableException>(async () => await getter.GetAsync("k", CancellationToken.None));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(allocated < 32L << 20, $"{allocated} bytes allocated for a 10-byte answer");
    }

    [Fact]
    public async Task GetAsync_AnswerBreaksOffAfterItsHeaders_ThrowsSourceUnavailable()
    {
        var body = new UnannouncedStream("""{"key":"k","val"""u8.ToArray(), new IOException("connection reset"));
        var source = AnsweringContent(() => new StreamContent(body));

        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(async () => await Getter(source).GetAsync("k", CancellationToken.None));

        Assert.Equal("source's answer broke off", ex.Message);
    }

    /// <summary>
    /// A real socket on 127.0.0.1 that answers one request with <paramref name="head"/>, then
    /// <paramref name="body"/>, then either closes or holds the connection open until the test ends.
    /// </summary>
    private static async Task<(string Url, Task Served)> RawSourceAsync(string head, byte[] body, bool thenClose, CancellationToken hold)
    {
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = Task.Run(async () =>
        {
            try
            {
                using var client = await listener.AcceptTcpClientAsync(hold);
                var stream = client.GetStream();
                var request = new byte[4096];
                _ = await stream.ReadAsync(request, hold); // one small GET: its headers arrive in one read
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ReplaceLineEndings("\r\n") + "\r\n"), hold);
                await stream.WriteAsync(body, hold);
                if (!thenClose)
                {
                    await Task.Delay(Timeout.Infinite, hold);
                }
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                listener.Stop();
            }
        });
        await Task.Yield();
        return ($"http://127.0.0.1:{port}/", served);
    }

    [Fact]
    public async Task GetAsync_RealSourceStallsAfterItsHeaders_ThrowsSourceTimeout()
    {
        using var hold = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (url, served) = await RawSourceAsync("HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 100\n", """{"value":"""u8.ToArray(), thenClose: false, hold.Token);
        using var http = new HttpClient();
        var getter = new SourceGetter(http, url, TimeSpan.FromMilliseconds(300), 1 << 20);

        await Assert.ThrowsAsync<SourceTimeoutException>(async () => await getter.GetAsync("k", CancellationToken.None));

        await hold.CancelAsync();
        await served;
    }

    [Fact]
    public async Task GetAsync_RealSourceClosesBeforeTheAnnouncedLength_ThrowsSourceUnavailable()
    {
        using var hold = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var (url, served) = await RawSourceAsync("HTTP/1.1 200 OK\nContent-Type: application/json\nContent-Length: 100\n", """{"value":"""u8.ToArray(), thenClose: true, hold.Token);
        using var http = new HttpClient();
        var getter = new SourceGetter(http, url, TimeSpan.FromSeconds(10), 1 << 20);

        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(async () => await getter.GetAsync("k", CancellationToken.None));

        Assert.Equal("source's answer broke off", ex.Message);
        await served;
    }
}
