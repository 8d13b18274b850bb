using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using GroupCache.Http.Protocol;

namespace GroupCache.Http.Tests;

/// <summary>
/// The pooled HTTP/1.1 connections fetches from http:// peers use, against a scripted peer on
/// 127.0.0.1 that answers with exact bytes: framing, reuse, a peer that dropped an idle
/// connection, limits and broken answers.
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
            var chunks = new List<byte>(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"));
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
        await using var peer = ScriptedPeer.Start((_, _) => Answer("HTTP/1.0 200 OK\r\n\r\n", Protobuf("until close")), closeAfterAnswer: true);
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
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1073741824\r\n\r\n", typeof(InvalidDataException))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", typeof(InvalidDataException))]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", typeof(InvalidDataException))]
    [InlineData("SSH-2.0-OpenSSH\r\n\r\n", typeof(InvalidDataException))]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", typeof(HttpRequestException))]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", typeof(HttpRequestException))]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n", typeof(InvalidDataException))]
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

    [Fact]
    public async Task GetAsync_PeerSilent_TimesOutAndTheNextFetchWorks()
    {
        await using var peer = ScriptedPeer.Start((i, _) => i == 0 ? null : WithLength(Protobuf("later")));
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { PeerTimeout = TimeSpan.FromMilliseconds(300) });
        var client = pool.ClientFor(peer.Url);

        await Assert.ThrowsAsync<TimeoutException>(async () => await client.GetAsync("data", "silent", CancellationToken.None));
        Assert.Equal("later", (await client.GetAsync("data", "k", CancellationToken.None)).Value.ToString());
    }

    /// <summary>
    /// A TCP server on 127.0.0.1 that reads each request head and writes what the script returns for
    /// it (null: say nothing); optionally closes the connection after each answer.
    /// </summary>
    private sealed class ScriptedPeer : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly Func<int, string, byte[]?> _script;
        private readonly bool _closeAfterAnswer;
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _connections = [];
        private readonly Task _accepting;
        private int _requests;
        private int _closed;

        private ScriptedPeer(Func<int, string, byte[]?> script, bool closeAfterAnswer)
        {
            _script = script;
            _closeAfterAnswer = closeAfterAnswer;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public int Connections { get; private set; }

        public List<string> Requests { get; } = [];

        public static ScriptedPeer Start(Func<int, string, byte[]?> script, bool closeAfterAnswer = false) => new(script, closeAfterAnswer);

        public async Task WaitForClosedAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (Volatile.Read(ref _closed) < count)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await Task.WhenAll([_accepting, .. _connections]).ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    Connections++;
                    lock (_connections)
                    {
                        _connections.Add(ServeAsync(socket));
                    }
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
            }
        }

        private async Task ServeAsync(Socket socket)
        {
            using (socket)
            {
                var buffer = new byte[64 * 1024];
                int have = 0;
                try
                {
                    while (true)
                    {
                        int end;
                        while ((end = buffer.AsSpan(0, have).IndexOf("\r\n\r\n"u8)) < 0)
                        {
                            int n = await socket.ReceiveAsync(buffer.AsMemory(have), _stop.Token);
                            if (n == 0)
                                return;
                            have += n;
                        }

                        string request = Encoding.ASCII.GetString(buffer, 0, end + 4);
                        buffer.AsSpan(end + 4, have - end - 4).CopyTo(buffer);
                        have -= end + 4;
                        int index;
                        lock (Requests)
                        {
                            Requests.Add(request);
                            index = _requests++;
                        }

                        byte[]? answer = _script(index, request);
                        if (answer is null)
                            continue; // silent: the client times out
                        await socket.SendAsync(answer, _stop.Token);
                        if (_closeAfterAnswer)
                        {
                            socket.Shutdown(SocketShutdown.Both);
                            return;
                        }
                    }
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                }
                catch (SocketException)
                {
                }
                finally
                {
                    Interlocked.Increment(ref _closed);
                }
            }
        }
    }
}
