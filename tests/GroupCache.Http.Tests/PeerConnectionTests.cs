using System.Text;
using Google.Protobuf;
using GroupCache.Http.Protocol;
using GroupCache.Http.Tests.Support;

namespace GroupCache.Http.Tests;

/// <summary>
/// The pooled HTTP/1.1 connections peer fetches use, against a scripted peer on 127.0.0.1 that
/// answers with exact bytes: framing, reuse, a peer that dropped an idle connection, limits and
/// broken answers. (Hostile answers: <see cref="HostilePeerTests"/>.)
/// </summary>
public sealed class PeerConnectionTests
{
    private static byte[] Protobuf(string value) => new GetResponse { Value = ByteString.CopyFromUtf8(value) }.ToByteArray();

    private static byte[] Answer(string head, byte[] body) => [.. Encoding.ASCII.GetBytes(head), .. body];

    private static byte[] WithLength(byte[] body, string extraHeaders = "") =>
        Answer($"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n{extraHeaders}Content-Length: {body.Length}\r\n\r\n", body);

    [Fact]
    public async Task GetAsync_ManyFetches_ReuseOneConnection()
    {
        await using var peer = ScriptedPeer.Start((_, _) => WithLength(Protobuf("v")));
        using var pool = new HttpPool("http://127.0.0.1:1");
        var client = pool.ClientFor(peer.Url);

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal("v", (await client.GetAsync("data", "k" + i, CancellationToken.None)).Value.ToString());
        }

        Assert.Equal(1, peer.Connections);
        Assert.Equal(20, peer.Requests.Count);
        Assert.StartsWith("GET /_groupcache/data/k19 HTTP/1.1\r\nHost: 127.0.0.1:", peer.Requests[^1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("k 1/é", "/_groupcache/da%2Fta/k%201%2F%C3%A9")]
    [InlineData("..", "/_groupcache/da%2Fta/..")]
    public async Task GetAsync_SendsTheEscapedTargetAndTheClusterSecret(string key, string target)
    {
        await using var peer = ScriptedPeer.Start((_, _) => WithLength(Protobuf("v")));
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { ClusterSecret = "s3cret" });
        var client = pool.ClientFor(peer.Url);

        await client.GetAsync("da/ta", key, CancellationToken.None);

        string head = Assert.Single(peer.Requests);
        Assert.StartsWith($"GET {target} HTTP/1.1\r\nHost: {peer.Url["http://".Length..]}\r\n", head, StringComparison.Ordinal);
        Assert.Contains($"\r\n{PeerProtocolHeaders.Secret}: s3cret\r\n", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_ChunkedWithExtensionsAndTrailers_IsDecoded()
    {
        byte[] body = Protobuf(new string('c', 5000));
        await using var peer = ScriptedPeer.Start((_, _) =>
        {
            var chunks = new List<byte>(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n"));
            chunks.AddRange(Encoding.ASCII.GetBytes($"{1000:x};ext=1\r\n"));
            chunks.AddRange(body[..1000]);
            chunks.AddRange(Encoding.ASCII.GetBytes($"\r\n{body.Length - 1000:X}\r\n"));
            chunks.AddRange(body[1000..]);
            chunks.AddRange(Encoding.ASCII.GetBytes("\r\n0\r\nX-Trailer: t\r\n\r\n"));
            return [.. chunks];
        });
        using var pool = new HttpPool("http://127.0.0.1:1");
        var client = pool.ClientFor(peer.Url);

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(new string('c', 5000), (await client.GetAsync("data", "k", CancellationToken.None)).Value.ToString());
        }

        Assert.Equal(1, peer.Connections);
    }

    [Fact]
    public async Task GetAsync_BodyEndsWithTheConnection_IsReadAndNotReused()
    {
        await using var peer = ScriptedPeer.Start((_, _) => Answer("HTTP/1.0 200 OK\r\nContent-Type: application/x-protobuf\r\n\r\n", Protobuf("until close")), closeAfterAnswer: true);
        using var pool = new HttpPool("http://127.0.0.1:1");
        var client = pool.ClientFor(peer.Url);

        Assert.Equal("until close", (await client.GetAsync("data", "a", CancellationToken.None)).Value.ToString());
        Assert.Equal("until close", (await client.GetAsync("data", "b", CancellationToken.None)).Value.ToString());
        Assert.Equal(2, peer.Connections);
    }

    [Fact]
    public async Task GetAsync_PeerClosedTheIdleConnection_AsksAgainOnANewOne()
    {
        // The peer answers keep-alive, then drops the connection while it sits in the pool.
        await using var peer = ScriptedPeer.Start((_, _) => WithLength(Protobuf("again")), closeAfterAnswer: true);
        using var pool = new HttpPool("http://127.0.0.1:1");
        var client = pool.ClientFor(peer.Url);

        Assert.Equal("again", (await client.GetAsync("data", "a", CancellationToken.None)).Value.ToString());
        await peer.WaitForClosedAsync(1);
        Assert.Equal("again", (await client.GetAsync("data", "b", CancellationToken.None)).Value.ToString());

        Assert.Equal(2, peer.Connections);
        Assert.Equal(2, peer.Requests.Count);
    }

    [Fact]
    public async Task GetAsync_ConnectionClose_IsNotReused()
    {
        await using var peer = ScriptedPeer.Start((_, _) => WithLength(Protobuf("c"), "Connection: close\r\n"));
        using var pool = new HttpPool("http://127.0.0.1:1");
        var client = pool.ClientFor(peer.Url);

        await client.GetAsync("data", "a", CancellationToken.None);
        await client.GetAsync("data", "b", CancellationToken.None);

        Assert.Equal(2, peer.Connections);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 1073741824\r\n\r\n", typeof(InvalidDataException))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 12abc\r\n\r\n", typeof(HttpRequestException))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: gzip\r\n\r\n", typeof(HttpRequestException))]
    [InlineData("SSH-2.0-OpenSSH\r\n\r\n", typeof(HttpRequestException))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\n\r\nshort", typeof(HttpRequestException))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", typeof(HttpRequestException))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n", typeof(HttpRequestException))]

    // Not a GetResponse, whatever the body: without the type, an empty body would be an empty value.
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", typeof(InvalidDataException))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\n<p>ok", typeof(InvalidDataException))]
    [InlineData("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nboom", typeof(HttpRequestException))]
    public async Task GetAsync_BrokenOrRefusingAnswer_ThrowsAndDoesNotHang(string answer, Type expected)
    {
        await using var peer = ScriptedPeer.Start((_, _) => Encoding.ASCII.GetBytes(answer), closeAfterAnswer: true);
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { MaxValueBytes = 1024, PeerTimeout = TimeSpan.FromSeconds(10) });
        var client = pool.ClientFor(peer.Url);

        var error = await Record.ExceptionAsync(async () => await client.GetAsync("data", "k", CancellationToken.None));

        Assert.IsType(expected, error);
        Assert.Contains(peer.Url, error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_NotFoundMarked_ThrowsNotFound()
    {
        await using var peer = ScriptedPeer.Start((_, _) => Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nX-GroupCache-Not-Found: 1\r\nContent-Length: 7\r\n\r\nno such"));
        using var pool = new HttpPool("http://127.0.0.1:1");
        var client = pool.ClientFor(peer.Url);

        var error = await Assert.ThrowsAsync<NotFoundException>(async () => await client.GetAsync("data", "k", CancellationToken.None));
        Assert.Equal("no such", error.Message);
    }

    [Theory]
    [InlineData("{\"error\":\"\\ud800\"}")] // an escaped lone surrogate
    [InlineData("{\"error\":\"\\udc00 and \\ud800\\ud800\"}")]
    [InlineData("{\"error\":\"\xff\xfe\"}")] // bytes that are not UTF-8, inside the string
    public async Task GetAsync_NotFoundMarkedWithAnErrorTextJsonCannotRead_StillThrowsNotFound(string body)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(body);
        await using var peer = ScriptedPeer.Start((_, _) =>
            Answer($"HTTP/1.1 404 Not Found\r\nX-GroupCache-Not-Found: 1\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\n\r\n", bytes));
        using var pool = new HttpPool("http://127.0.0.1:1");
        var client = pool.ClientFor(peer.Url);

        var error = await Record.ExceptionAsync(async () => await client.GetAsync("data", "k", CancellationToken.None));

        Assert.IsType<NotFoundException>(error);
        Assert.StartsWith("{\"error\":", error.Message, StringComparison.Ordinal); // the text itself, as for any body that is not ours
    }

    // A peer's error text lands in our exceptions and from there in our log lines: it must not be
    // able to start a forged line there, drive the terminal, or reorder what the reader sees.
    [Theory]
    [InlineData("500 Internal Server Error", "", "boom\r\ninfo: Forged[0]\n      a line the peer wrote\u001b[31m\u2028\u202e")]
    [InlineData("500 Internal Server Error", "Content-Type: application/json\r\n", "{\"error\":\"boom\\r\\ninfo: Forged[0]\\n      a line the peer wrote\\u001b[31m\\u2028\\u202e\"}")]
    [InlineData("404 Not Found", "X-GroupCache-Not-Found: 1\r\n", "boom\r\ninfo: Forged[0]\n      a line the peer wrote\u001b[31m\u2028\u202e")]
    [InlineData("500 Bad\u001b[2J", "", "boom\r\ninfo: Forged[0]\n      a line the peer wrote\u001b[31m\u2028\u202e")]
    public async Task GetAsync_ErrorTextWithLineBreaksAndControls_ComesOutOnOneLineWithThemEscaped(string status, string headers, string body)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        await using var peer = ScriptedPeer.Start((_, _) => [.. Encoding.Latin1.GetBytes($"HTTP/1.1 {status}\r\n{headers}Content-Length: {bytes.Length}\r\n\r\n"), .. bytes]);
        using var pool = new HttpPool("http://127.0.0.1:1");
        var client = pool.ClientFor(peer.Url);

        var error = await Record.ExceptionAsync(async () => await client.GetAsync("data", "k", CancellationToken.None));

        Assert.IsType(status.StartsWith("404", StringComparison.Ordinal) ? typeof(NotFoundException) : typeof(HttpRequestException), error);
        Assert.Contains("boom\\u000d\\u000ainfo: Forged[0]\\u000a      a line the peer wrote\\u001b[31m\\u2028\\u202e", error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(error.Message, c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u202e');
    }

    [Fact]
    public async Task GetAsync_ErrorTextOfControlsOnly_StaysWithinTheErrorBodyLimit()
    {
        byte[] body = Encoding.ASCII.GetBytes("x" + new string('\u0001', 4096));
        await using var peer = ScriptedPeer.Start((_, _) => Answer($"HTTP/1.1 404 Not Found\r\nX-GroupCache-Not-Found: 1\r\nContent-Length: {body.Length}\r\n\r\n", body));
        using var pool = new HttpPool("http://127.0.0.1:1");
        var client = pool.ClientFor(peer.Url);

        var error = await Assert.ThrowsAsync<NotFoundException>(async () => await client.GetAsync("data", "k", CancellationToken.None));

        Assert.StartsWith("x\\u0001\\u0001", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Message.Length, 4096 - 6, 4096);
    }

    [Fact]
    public async Task GetAsync_PeerSilent_TimesOutAndTheNextFetchWorks()
    {
        await using var peer = ScriptedPeer.Start((i, _) => i == 0 ? null : WithLength(Protobuf("later")));
        // Long enough for a new connection and its answer on a loaded machine.
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { PeerTimeout = TimeSpan.FromSeconds(2) });
        var client = pool.ClientFor(peer.Url);

        await Assert.ThrowsAsync<TimeoutException>(async () => await client.GetAsync("data", "silent", CancellationToken.None));
        Assert.Equal("later", (await client.GetAsync("data", "k", CancellationToken.None)).Value.ToString());
    }
}
