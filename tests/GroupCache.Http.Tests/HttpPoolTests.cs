using System.Text.Json;
using GroupCache.Http.Tests.Support;
using GroupCache.Peers;

namespace GroupCache.Http.Tests;

public class HttpPoolTests
{
    private const string Self = "http://127.0.0.1:8081";

    [Fact]
    public void Constructor_Defaults_AreGroupcaches()
    {
        using var pool = new HttpPool("HTTP://127.0.0.1:8081/");

        Assert.Equal(Self, pool.Self);
        Assert.Equal("/_groupcache/", pool.Options.BasePath);
        Assert.Equal(50, pool.Options.Replicas);
        Assert.Empty(pool.Peers);
    }

    [Fact]
    public void OwnerOf_EmptyRing_IsNullAndNothingIsPicked()
    {
        using var pool = new HttpPool(Self);

        Assert.Null(pool.OwnerOf("k"));
        Assert.False(pool.TryPickPeer("k", out var peer));
        Assert.Null(peer);
    }

    [Fact]
    public void SetPeers_ARingThatAddsMembers_TellsThemBeforeItIsInPlace()
    {
        using var pool = new HttpPool(Self);
        var seen = new List<(string[] Added, string[] RingThen)>();
        pool.PeersAdding += (_, e) => seen.Add(([.. e.Added], [.. pool.Peers]));

        pool.SetPeers([Self, "http://127.0.0.1:8082"]);
        pool.SetPeers([Self, "HTTP://127.0.0.1:8082/"]); // the same ring
        pool.SetPeers([Self]); // only a departure
        pool.SetPeers([Self, "http://127.0.0.1:8083", "http://127.0.0.1:8082"]);

        Assert.Equal(2, seen.Count);
        Assert.Equal([Self, "http://127.0.0.1:8082"], seen[0].Added);
        Assert.Empty(seen[0].RingThen);
        Assert.Equal(["http://127.0.0.1:8082", "http://127.0.0.1:8083"], seen[1].Added);
        Assert.Equal([Self], seen[1].RingThen);
    }

    [Fact]
    public void SetPeers_AHandlerThrows_LeavesTheRingAsItWas()
    {
        using var pool = new HttpPool(Self);
        pool.SetPeers([Self]);
        pool.PeersAdding += (_, _) => throw new InvalidOperationException("refused");

        Assert.Throws<InvalidOperationException>(() => pool.SetPeers([Self, "http://127.0.0.1:8082"]));

        Assert.Equal([Self], pool.Peers);
    }

    [Fact]
    public void SetPeers_Spellings_NormalisesDeduplicatesAndSorts()
    {
        using var pool = new HttpPool(Self);

        pool.SetPeers(["http://127.0.0.1:8083/", "HTTP://127.0.0.1:8081", "http://127.0.0.1:8083", " http://127.0.0.1:8082 "]);

        Assert.Equal(["http://127.0.0.1:8081", "http://127.0.0.1:8082", "http://127.0.0.1:8083"], pool.Peers);
    }

    [Fact]
    public void SetPeers_InvalidPeer_ThrowsAndKeepsTheOldRing()
    {
        using var pool = new HttpPool(Self);
        pool.SetPeers([Self, "http://127.0.0.1:8082"]);

        Assert.Throws<FormatException>(() => pool.SetPeers([Self, "127.0.0.1:8083"]));

        Assert.Equal([Self, "http://127.0.0.1:8082"], pool.Peers);
    }

    [Fact]
    public void TryPickPeer_OwnKeys_ReturnsFalseAndOthersReturnTheOwnersClient()
    {
        using var pool = new HttpPool(Self);
        pool.SetPeers([Self, "http://127.0.0.1:8082", "http://127.0.0.1:8083"]);
        int own = 0;

        for (int i = 0; i < 1000; i++)
        {
            string key = "key-" + i;
            string owner = pool.OwnerOf(key)!;
            if (owner == Self)
            {
                own++;
                Assert.False(pool.TryPickPeer(key, out _));
            }
            else
            {
                Assert.True(pool.TryPickPeer(key, out var peer));
                Assert.Equal(owner, ((HttpPeerClient)peer).Peer);
                Assert.Same(pool.ClientFor(owner), peer);
            }
        }

        Assert.InRange(own, 100, 900);
    }

    [Fact]
    public void TryPickPeer_SelfNotInTheList_PicksOnlyOthersAsGoDoes()
    {
        using var pool = new HttpPool(Self);
        pool.SetPeers(["http://127.0.0.1:8082"]);

        Assert.True(pool.TryPickPeer("k", out var peer));
        Assert.Equal("http://127.0.0.1:8082", ((HttpPeerClient)peer).Peer);
    }

    [Fact]
    public void ClientFor_EquivalentSpellings_ReturnsOneClient()
    {
        using var pool = new HttpPool(Self);

        Assert.Same(pool.ClientFor("http://127.0.0.1:8082"), pool.ClientFor("HTTP://127.0.0.1:8082/"));
        Assert.Throws<FormatException>(() => pool.ClientFor("nonsense"));
    }

    [Fact]
    public void OwnerOf_GoldenVectors_MatchGosRingForSortedPeerLists()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", "consistenthash.json")));
        int checkedKeys = 0;
        foreach (var ring in doc.RootElement.EnumerateArray())
        {
            string[] peers = [.. ring.GetProperty("peers").EnumerateArray().Select(p => p.GetString()!)];
            using var pool = new HttpPool(peers[0], new HttpPoolOptions { Replicas = ring.GetProperty("replicas").GetInt32() });
            pool.SetPeers(peers.Reverse());
            foreach (var pair in ring.GetProperty("owners").EnumerateArray())
            {
                Assert.Equal(pair[1].GetString(), pool.OwnerOf(pair[0].GetString()!));
                checkedKeys++;
            }
        }

        Assert.True(checkedKeys >= 1000);
    }

    [Fact]
    public async Task SetPeers_WhileReadersPick_EveryAnswerComesFromAWholeRing()
    {
        using var pool = new HttpPool(Self);
        string[] ringA = [Self, "http://127.0.0.1:8082"];
        string[] ringB = [Self, "http://127.0.0.1:8083", "http://127.0.0.1:8084"];
        pool.SetPeers(ringA);
        using var stop = new CancellationTokenSource();
        var started = Enumerable.Range(0, 2).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();

        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            int reads = 0;
            while (!stop.IsCancellationRequested && reads < 1_000_000)
            {
                string key = "k" + (reads % 997);
                var peers = pool.Peers;
                Assert.True(peers.SequenceEqual(ringA) || peers.SequenceEqual(ringB));
                string? owner = pool.OwnerOf(key);
                Assert.Contains(owner, ringA.Concat(ringB));
                if (pool.TryPickPeer(key, out var peer))
                {
                    Assert.NotEqual(Self, ((HttpPeerClient)peer).Peer);
                }

                reads++;
                started[r].TrySetResult();
            }

            return reads;
        })).ToArray();

        // The swaps start once both readers run, so that they overlap.
        await Task.WhenAll(started.Select(s => s.Task));
        for (int i = 0; i < 2000; i++)
        {
            pool.SetPeers(i % 2 == 0 ? ringB : ringA);
        }

        await stop.CancelAsync();
        int[] counts = await Task.WhenAll(readers);
        Assert.All(counts, c => Assert.True(c > 1));
    }

    [Fact]
    public async Task SetPeers_WhileARequestIsInFlight_TheRequestCompletesAndNewKeysUseTheNewRing()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gatedGetter = new CountingGetter(async (key, _) =>
        {
            if (key.StartsWith("gated", StringComparison.Ordinal))
            {
                entered.TrySetResult();
                await release.Task;
            }

            return SyntheticValues.For(key);
        });
        await using var a = await TestNode.StartAsync();
        await using var b = await TestNode.StartAsync(getter: gatedGetter);
        a.Pool.SetPeers([a.Url, b.Url]);
        b.Pool.SetPeers([a.Url, b.Url]);
        string gated = Enumerable.Range(0, 1000).Select(i => "gated" + i).First(k => a.Pool.OwnerOf(k) == b.Url);
        string later = Enumerable.Range(0, 1000).Select(i => "later" + i).First(k => a.Pool.OwnerOf(k) == b.Url);

        var inFlight = a.Group.GetAsync(gated).AsTask();
        await entered.Task;
        a.Pool.SetPeers([a.Url]);
        release.SetResult();

        Assert.Equal("v:" + gated, (await inFlight).ToString());
        Assert.Equal(1, b.Getter.CallsFor(gated));
        Assert.Equal(0, a.Getter.CallsFor(gated));

        Assert.Equal("v:" + later, (await a.Group.GetAsync(later)).ToString());
        Assert.Equal(1, a.Getter.CallsFor(later));
        Assert.Equal(0, b.Getter.CallsFor(later));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Constructor_NonPositiveReplicas_Throws(int replicas) =>
        Assert.Throws<ArgumentException>(() => new HttpPool(Self, new HttpPoolOptions { Replicas = replicas }));

    [Fact]
    public void Constructor_InvalidSelf_Throws() =>
        Assert.Throws<FormatException>(() => new HttpPool("localhost:8080"));

    [Fact]
    public void HttpPool_IsAPeerPicker()
    {
        using var pool = new HttpPool(Self);
        Assert.IsAssignableFrom<IPeerPicker>(pool);
    }
}
