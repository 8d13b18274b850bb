using System.Diagnostics;
using GroupCache.Http.Tests.Support;

namespace GroupCache.Http.Tests;

/// <summary>
/// Connections to peers do not pile up: idle ones close after the idle timeout even if never used
/// again, and a peer that left the ring takes its client and connections with it. Counted in the
/// test process's own file descriptors (/proc/self/fd), where a leaked connection shows twice: the
/// pool's end and the scripted peer's.
/// </summary>
[Collection(nameof(ProcessMeasurementCollection))]
public sealed class PeerConnectionHygieneTests
{
    private const string Self = "http://127.0.0.1:1";
    private static readonly TimeSpan ShortIdle = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task GetAsync_ConnectionsLeftIdle_CloseAfterTheIdleTimeoutWithoutBeingReused()
    {
        await using var peer = StartAnsweringPeer();
        using var pool = new HttpPool(Self, new HttpPoolOptions { PooledConnectionIdleTimeout = ShortIdle });
        var client = pool.ClientFor(peer.Url);

        await Task.WhenAll(Enumerable.Range(0, 16).Select(async i =>
            Assert.Equal(HostilePeerTests.ValueOf("k" + i), (await client.GetAsync("data", "k" + i, CancellationToken.None)).Value.ToString())));
        Assert.True(peer.OpenConnections > 0);

        await PollAsync(() => peer.OpenConnections == 0, "the idle connections to stay open no longer than the idle timeout");
    }

    [Fact]
    public async Task SetPeers_TwentyRingChangesWithFetches_OpenSocketsStayBounded()
    {
        var peers = new List<ScriptedPeer>();
        try
        {
            using var pool = new HttpPool(Self, new HttpPoolOptions { PooledConnectionIdleTimeout = ShortIdle });
            int before = OpenSockets();
            for (int change = 0; change < 20; change++)
            {
                var current = new[] { StartAnsweringPeer(), StartAnsweringPeer() };
                peers.AddRange(current);
                pool.SetPeers([Self, .. current.Select(p => p.Url)]);
                await FetchThroughTheRingAsync(pool, change);
            }

            var departed = peers[..^2];
            var last = peers[^2..];
            await PollAsync(() => departed.All(p => p.OpenConnections == 0), "the connections to departed peers to close");
            Assert.Equal(2, pool.ClientCount);

            // What may remain: every scripted peer's listener, and both ends of the last ring's connections.
            int allowed = peers.Count + (2 * last.Sum(p => p.OpenConnections));
            int grown = OpenSockets() - before;
            Assert.True(grown <= allowed + 4, $"{grown} more sockets than before 20 ring changes; at most {allowed} expected");
        }
        finally
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }
        }
    }

    private static ScriptedPeer StartAnsweringPeer() => ScriptedPeer.Start(async exchange =>
    {
        await exchange.SendAsync(HostilePeerTests.Answer(HostilePeerTests.ValueOf(exchange.Key)));
        return true;
    });

    private static async Task FetchThroughTheRingAsync(HttpPool pool, int change)
    {
        int fetched = 0;
        await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
        {
            string key = $"c{change}-k{i}";
            if (pool.TryPickPeer(key, out var peer))
            {
                Interlocked.Increment(ref fetched);
                Assert.Equal(HostilePeerTests.ValueOf(key), (await peer.GetAsync("data", key, CancellationToken.None)).Value.ToString());
            }
        }));
        Assert.True(fetched > 0, $"ring change {change}: no key went to a peer");
    }

    /// <summary>This process's open sockets: the descriptors in /proc/self/fd that link to "socket:[…]".</summary>
    private static int OpenSockets()
    {
        int sockets = 0;
        foreach (string fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true)
                {
                    sockets++;
                }
            }
            catch (IOException)
            {
                // closed while listed
            }
        }

        return sockets;
    }

    private static async Task PollAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), $"waited 30 s for {what}");
            await Task.Delay(50);
        }
    }
}
