using GroupCache.Http.Tests.Support;

namespace GroupCache.Http.Tests;

/// <summary>
/// When a kept-alive connection fails under a fetch: a clean close before any answer means the peer
/// dropped an idle connection as it was taken, and the GET is asked again on a new one; a reset
/// is not asked again.
/// </summary>
public sealed class PeerRetryTests
{
    [Fact]
    public async Task GetAsync_KeptAliveConnectionClosedCleanlyBeforeAnyAnswer_AsksAgainOnANewConnection()
    {
        await using var peer = BreakingSecondRequest(exchange => exchange.Close()); // FIN without a byte of answer
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { PeerTimeout = TimeSpan.FromSeconds(10) });
        var client = pool.ClientFor(peer.Url);

        Assert.Equal(HostilePeerTests.ValueOf("a"), (await client.GetAsync("data", "a", CancellationToken.None)).Value.ToString());
        Assert.Equal(HostilePeerTests.ValueOf("b"), (await client.GetAsync("data", "b", CancellationToken.None)).Value.ToString());

        Assert.Equal(3, peer.RequestCount); // a, b on the closed connection, b again
        Assert.Equal(2, peer.Connections);
    }

    [Fact]
    public async Task GetAsync_EveryConnectionClosedBeforeAnyAnswer_FailsAfterAFewAttempts()
    {
        // SocketsHttpHandler asks again on a new connection a bounded number of times (4 in all in
        // .NET 10); a GET asks for nothing to change, so a few attempts are harmless, but not more.
        await using var peer = ScriptedPeer.Start(exchange =>
        {
            exchange.Close();
            return Task.FromResult(false);
        });
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { PeerTimeout = TimeSpan.FromSeconds(10) });
        var client = pool.ClientFor(peer.Url);

        var (value, error) = await HostilePeerTests.FetchAsync(client, "a");

        Assert.Null(value);
        Assert.IsType<HttpRequestException>(error);
        Assert.InRange(peer.RequestCount, 1, 4);
    }

    [Fact]
    public async Task GetAsync_KeptAliveConnectionReset_IsNotAskedAgain()
    {
        await using var peer = BreakingSecondRequest(exchange => exchange.Reset()); // RST
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { PeerTimeout = TimeSpan.FromSeconds(10) });
        var client = pool.ClientFor(peer.Url);

        Assert.Equal(HostilePeerTests.ValueOf("a"), (await client.GetAsync("data", "a", CancellationToken.None)).Value.ToString());
        var (value, error) = await HostilePeerTests.FetchAsync(client, "b");

        Assert.Null(value);
        Assert.IsType<HttpRequestException>(error);
        Assert.Equal(2, peer.RequestCount);
        Assert.Equal(1, peer.Connections);
    }

    /// <summary>A peer that answers every request rightly, but breaks the first connection when its second request has been read.</summary>
    private static ScriptedPeer BreakingSecondRequest(Action<ScriptedExchange> breakConnection) =>
        ScriptedPeer.Start(async exchange =>
        {
            if (exchange.Connection == 0 && exchange.OnConnection == 1)
            {
                breakConnection(exchange);
                return false;
            }

            await exchange.SendAsync(HostilePeerTests.Answer(HostilePeerTests.ValueOf(exchange.Key)));
            return true;
        });
}
