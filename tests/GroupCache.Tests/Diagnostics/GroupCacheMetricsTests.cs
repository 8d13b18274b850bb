using GroupCache.Diagnostics;

namespace GroupCache.Tests.Diagnostics;

public class GroupCacheMetricsTests
{
    private static readonly string[] Counters =
    [
        "groupcache.group.gets", "groupcache.group.cache_hits", "groupcache.group.peer.loads", "groupcache.group.peer.errors",
        "groupcache.group.loads", "groupcache.group.loads.deduped", "groupcache.group.local.loads", "groupcache.group.local.load_errors",
        "groupcache.group.server_requests",
    ];

    [Fact]
    public async Task Instruments_HitMissPeerLoadPeerErrorEviction_EachMoves()
    {
        using var factory = new PrivateMeterFactory();
        var registry = new GroupRegistry(factory);
        using var recorder = new MetricsRecorder(registry.Metrics.Meter);
        var peer = new FakePeer();
        var getter = new CountingGetter();

        // Each entry weighs about 25 bytes: a budget of 60 holds two, so a third evicts.
        var group = registry.NewGroup("metrics", 60, getter, new FakePicker(peer, key => key.StartsWith("remote", StringComparison.Ordinal)), new GroupOptions { Random = new FixedRandom(5) });
        var before = recorder.Observe();
        Assert.All(Counters, name => Assert.Equal(0, before[$"{name}{{group=metrics}}"]));

        string[] keys = ["local-key-1", "local-key-2", "local-key-3", "remote-key-1", "remote-key-2", "missing-key"];
        await group.GetAsync(keys[0]);                       // a miss, loaded locally
        await group.GetAsync(keys[0]);                       // a hit
        await group.GetForPeerAsync(keys[0]);                // a peer's request, a hit
        await group.GetAsync(keys[3]);                       // a peer load
        peer.Fail = true;
        await group.GetAsync(keys[4]);                       // a peer error, then a local load
        await group.GetAsync(keys[1]);
        await group.GetAsync(keys[2]);                       // over the budget: an eviction
        getter.Fail = new NotFoundException("gone");
        await Assert.ThrowsAsync<NotFoundException>(() => group.GetAsync(keys[5]).AsTask()); // a local load error

        var loads = recorder.All();
        var after = recorder.Observe();
        foreach (string name in Counters)
        {
            Assert.True(after[$"{name}{{group=metrics}}"] > 0, name + " did not move");
        }

        foreach (string name in new[] { "groupcache.cache.gets", "groupcache.cache.hits", "groupcache.cache.evictions", "groupcache.cache.bytes", "groupcache.cache.items" })
        {
            Assert.True(after[$"{name}{{cache.type=main,group=metrics}}"] > 0, name + " did not move");
            Assert.True(after.ContainsKey($"{name}{{cache.type=hot,group=metrics}}"), name + " has no hot-cache series");
        }

        Assert.Contains(loads, r => r.Instrument == "groupcache.load.duration" && Equals(r.Tags["outcome"], "ok") && r.Value >= 0);
        Assert.Contains(loads, r => r.Instrument == "groupcache.load.duration" && Equals(r.Tags["outcome"], "not_found"));
        Assert.Contains(loads, r => r.Instrument == "groupcache.peer.duration" && Equals(r.Tags["outcome"], "ok"));
        Assert.Contains(loads, r => r.Instrument == "groupcache.peer.duration" && Equals(r.Tags["outcome"], "error"));
        Assert.All(loads, r => Assert.Equal("metrics", r.Tags["group"]));

        // A key never goes into a tag.
        Assert.All(loads.Concat(recorder.All()), r => Assert.All(r.Tags.Values, v => Assert.DoesNotContain(v?.ToString(), keys)));
    }

    [Fact]
    public async Task Histograms_LoadAndPeerFetchNobodyWaitsFor_RecordedAbandonedNotError()
    {
        using var factory = new PrivateMeterFactory();
        var registry = new GroupRegistry(factory);
        using var recorder = new MetricsRecorder(registry.Metrics.Meter);
        var peer = new TokenWatchingPeer();
        var getterStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var getter = new GetterFunc(async (_, token) =>
        {
            getterStarted.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            return default;
        });
        var local = registry.NewGroup("abandoned-local", 1 << 20, getter);
        var remote = registry.NewGroup("abandoned-peer", 1 << 20, new CountingGetter(), new OnePeerPicker(peer));

        using (var cts = new CancellationTokenSource())
        {
            var pending = local.GetAsync("k", cts.Token).AsTask();
            await getterStarted.Task.WaitAsync(TimeSpan.FromSeconds(5));
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        }

        using (var cts = new CancellationTokenSource())
        {
            var pending = remote.GetAsync("k", cts.Token).AsTask();
            await peer.Seen.Task.WaitAsync(TimeSpan.FromSeconds(5));
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        }

        // The histograms are recorded as the load unwinds, after the callers already gave up.
        Assert.True(await recorder.WaitUntilAsync(all => all.Count(r => r.Instrument is "groupcache.load.duration" or "groupcache.peer.duration") == 2, TimeSpan.FromSeconds(30)));
        var recorded = recorder.All();
        Assert.Contains(recorded, r => r.Instrument == "groupcache.load.duration" && Equals(r.Tags["outcome"], "abandoned"));
        Assert.Contains(recorded, r => r.Instrument == "groupcache.peer.duration" && Equals(r.Tags["outcome"], "abandoned"));
        Assert.DoesNotContain(recorded, r => Equals(r.Tags.GetValueOrDefault("outcome"), "error"));
    }

    [Fact]
    public async Task Histograms_Hit_RecordNothing()
    {
        using var factory = new PrivateMeterFactory();
        var registry = new GroupRegistry(factory);
        using var recorder = new MetricsRecorder(registry.Metrics.Meter);
        var group = registry.NewGroup("hits", 1 << 20, new CountingGetter());
        await group.GetAsync("k");
        recorder.Clear();

        await group.GetAsync("k");

        Assert.Empty(recorder.All());
    }

    [Fact]
    public async Task GetAsync_HitWithNoListener_AllocatesNothing()
    {
        var group = new GroupRegistry().NewGroup("alloc", 1 << 20, new CountingGetter());
        await group.GetAsync("k");
        Assert.True(Hit(group)); // warms the hit path up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(Hit(group));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>True when the get completed at once, as a hit does.</summary>
    private static bool Hit(Group group)
    {
        var pending = group.GetAsync("k");
        return pending.IsCompletedSuccessfully && pending.Result.Length > 0;
    }

    [Fact]
    public void Add_RegistryWithFactory_MovesGroupOffTheSharedMeter()
    {
        using var factory = new PrivateMeterFactory();
        var registry = new GroupRegistry(factory);
        var group = new Group("moved", 1 << 20, new CountingGetter());
        using var shared = new MetricsRecorder(GroupCacheMetrics.Shared.Meter);
        using var own = new MetricsRecorder(registry.Metrics.Meter);
        Assert.Contains("groupcache.group.gets{group=moved}", shared.Observe().Keys);

        registry.Add(group);

        Assert.DoesNotContain("groupcache.group.gets{group=moved}", shared.Observe().Keys);
        Assert.Contains("groupcache.group.gets{group=moved}", own.Observe().Keys);
    }

    [Fact]
    public void For_SameFactory_SameMetrics()
    {
        using var factory = new PrivateMeterFactory();

        Assert.Same(GroupCacheMetrics.For(factory), GroupCacheMetrics.For(factory));
        Assert.Same(GroupCacheMetrics.Shared, GroupCacheMetrics.For(null));
    }
}
