using System.Text;

namespace KestrelGuard.Tests;

public class RequestFramerTests
{
    private const string Get = "GET /api/data/a HTTP/1.1\r\nHost: x\r\n\r\n";

    [Theory]
    [InlineData("GET / HTTP/9.9\r\nHost: x\r\n\r\n")]
    [InlineData("GET / http/1.1\r\nHost: x\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    [InlineData("GET / HTTP/1.1 \r\n\r\n")]
    [InlineData("GET /\r\n\r\n")]
    public void Scan_UnknownVersionFirst_RejectsAtZero(string stream)
    {
        var framer = ScanAll(stream);

        Assert.True(framer.Rejected);
        Assert.Equal(0, framer.RejectedLineStart);
    }

    [Theory]
    [InlineData(Get + Get + Get)]
    [InlineData("GET / HTTP/1.0\r\n\r\n")]
    [InlineData("\r\n\r\n" + Get)]
    [InlineData("GET / HTTP/1.1\n\n" + Get)]
    public void Scan_KnownVersions_NeverRejects(string stream)
    {
        var framer = ScanAll(stream);

        Assert.False(framer.Stopped);
        Assert.Equal(Encoding.ASCII.GetByteCount(stream), framer.Position);
    }

    [Fact]
    public void Scan_BadLineAfterGoodRequests_RejectsWhereItStarts()
    {
        var framer = ScanAll(Get + Get + "GET / HTTP/9.9\r\n\r\n");

        Assert.Equal(2 * Get.Length, framer.RejectedLineStart);
    }

    [Fact]
    public void Scan_ContentLengthBodyThatLooksLikeABadLine_IsSkippedAsBody()
    {
        const string body = "GET / HTTP/9.9\r\n";
        string post = $"PUT /api/data/a HTTP/1.1\r\nContent-Length: {body.Length}\r\n\r\n{body}";

        var framer = ScanAll(post + Get + "get / http/1.1\r\n\r\n");

        Assert.Equal(post.Length + Get.Length, framer.RejectedLineStart);
    }

    [Fact]
    public void Scan_ChunkedBodyWithExtensionsAndTrailers_IsSkippedAsBody()
    {
        string post = "POST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n"
            + "10;name=value\r\nGET / HTTP/9.9\r\n\r\n" + "3\r\nabc\r\n" + "0\r\nX-Trailer: 1\r\n\r\n";

        var framer = ScanAll(post + Get + "GET / HTTP/3.0\r\n\r\n");

        Assert.Equal(post.Length + Get.Length, framer.RejectedLineStart);
    }

    [Fact]
    public void Scan_TransferEncodingWinsOverContentLength()
    {
        string post = "POST /x HTTP/1.1\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";

        var framer = ScanAll(post + "GET / HTTP/9.9\r\n\r\n");

        Assert.Equal(post.Length, framer.RejectedLineStart);
    }

    [Theory]
    [InlineData("GET /chat HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n")]
    [InlineData("CONNECT example:443 HTTP/1.1\r\nHost: example:443\r\n\r\n")]
    [InlineData("PUT /x HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n")]
    [InlineData("PUT /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n")]
    [InlineData("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    [InlineData("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n")]
    public void Scan_StreamItCannotFollow_StopsWithoutRejecting(string stream)
    {
        var framer = ScanAll(stream + "GET / HTTP/9.9\r\n\r\n");

        Assert.True(framer.Stopped);
        Assert.False(framer.Rejected);
    }

    [Fact]
    public void Scan_LongRequestLine_IsJudgedByItsEnd()
    {
        string longGood = $"GET /{new string('a', 9000)} HTTP/1.1\r\n\r\n";
        string longBad = $"GET /{new string('a', 9000)} HTTP/1.2\r\n\r\n";

        var framer = ScanAll(longGood + longBad);

        Assert.Equal(longGood.Length, framer.RejectedLineStart);
    }

    [Fact]
    public void Scan_SplitAtEveryByte_FindsTheSameLine()
    {
        string stream = "PUT /k HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
            + "POST /k HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nworld\r\n0\r\nT: 1\r\n\r\n"
            + Get + "GET / HTTP/9.9\r\n\r\n";
        byte[] bytes = Encoding.ASCII.GetBytes(stream);
        long expected = ScanAll(stream).RejectedLineStart;

        for (int split = 1; split < bytes.Length; split++)
        {
            var framer = new RequestFramer();
            framer.Scan(bytes.AsSpan(0, split));
            framer.Scan(bytes.AsSpan(split));
            Assert.Equal(expected, framer.RejectedLineStart);
        }

        var byteAtATime = new RequestFramer();
        foreach (byte b in bytes)
            byteAtATime.Scan([b]);
        Assert.Equal(expected, byteAtATime.RejectedLineStart);
        Assert.Equal(stream.Length - "GET / HTTP/9.9\r\n\r\n".Length, expected);
    }

    private static RequestFramer ScanAll(string stream)
    {
        var framer = new RequestFramer();
        framer.Scan(Encoding.ASCII.GetBytes(stream));
        return framer;
    }
}
