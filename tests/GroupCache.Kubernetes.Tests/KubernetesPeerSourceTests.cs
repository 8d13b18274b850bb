using Microsoft.Extensions.Logging;
using static GroupCache.Kubernetes.Tests.Slices;

namespace GroupCache.Kubernetes.Tests;

/// <summary>The source against the stub API server: what moves the ring, what does not, and recovery.</summary>
public sealed class KubernetesPeerSourceTests : IAsyncLifetime
{
    private const string Self = "http://127.0.0.10:8081";
    private StubKubernetesApi _api = null!;

    private RecordingLogger<KubernetesPeerSource> Logger { get; } = new();

    public async Task InitializeAsync() => _api = await StubKubernetesApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Start_BeforeTheApiAnswers_SelfAloneIsTheFirstSet()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        var source = Source();

        await using var ring = new RingWatcher(source);
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");

        Assert.Equal([Self], ring.Sets[0]);
        Assert.Equal("kubernetes", source.Snapshot.Mode);
        Assert.Equal([Self, "http://127.0.0.11:8081"], source.Snapshot.Peers);
        Assert.NotNull(source.Snapshot.LastRefresh);
        Assert.Null(source.Snapshot.LastError);
    }

    [Fact]
    public async Task Endpoints_AddedNotReadyReadyAndDeleted_MoveTheRing()
    {
        await using var ring = new RingWatcher(Source());
        await ring.WaitForAsync(Self);

        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11"), Endpoint("127.0.0.12")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081");

        // Terminating (ready false) and not-yet-ready endpoints leave the ring.
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11"), Endpoint("127.0.0.12", ready: false, terminating: true), Endpoint("127.0.0.13", ready: false)]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");

        // A second slice of the same Service; an endpoint without a ready condition counts as ready.
        _api.Apply(Of("cache-b", [Endpoint("127.0.0.14", ready: null)]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.14:8081");

        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11"), Endpoint("127.0.0.13")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.13:8081", "http://127.0.0.14:8081");

        _api.Delete(Namespace, "cache-a");
        await ring.WaitForAsync(Self, "http://127.0.0.14:8081");
        Assert.Equal(1, _api.Lists);
    }

    [Fact]
    public async Task MoreEndpointsThanMaxPeers_TheCapIsLoggedWhenWhatItLeavesOutChanges_NotAtEveryEvent()
    {
        // MaxPeers 3: this node and two others; of four others, two are left out.
        var four = new[] { Endpoint("127.0.0.11"), Endpoint("127.0.0.12"), Endpoint("127.0.0.13"), Endpoint("127.0.0.14") };
        await using var ring = new RingWatcher(Source(o => o.MaxPeers = 3));
        _api.Apply(Of("cache-a", four));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081");
        await RingWatcher.EventuallyAsync(() => _api.OpenWatches == 1, "a watch is open");

        // More events (the slice written again) that leave the same two out: said once.
        for (int i = 0; i < 5; i++)
        {
            _api.Apply(Of("cache-a", four));
        }

        // Three others: one left out, said again; then one other: nothing left out, nothing said.
        _api.Apply(Of("cache-a", [.. four.Take(3)]));
        await RingWatcher.EventuallyAsync(() => Logger.Entries.Count(e => e.EventId == 1307) >= 2, "the cap said again for one left out");
        _api.Apply(Of("cache-a", [four[0]]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");

        Assert.Equal(2, Logger.Entries.Count(e => e.EventId == 1307));
        Assert.Equal(1, _api.Lists);
    }

    [Fact]
    public async Task Ports_ChosenByName_SliceWithoutThatPortAndOtherServicesIgnored()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")], [("http", 8080), ("groupcache", 9091)]));
        _api.Apply(Of("cache-b", [Endpoint("127.0.0.12")], [("http", 8080)]));
        _api.Apply(Of("other-a", [Endpoint("127.0.0.13")], service: "other"));
        _api.Apply(Of("cache-c", [Endpoint("127.0.0.14")], @namespace: "elsewhere"));

        await using var ring = new RingWatcher(Source());

        await ring.WaitForAsync(Self, "http://127.0.0.11:9091");
        Assert.Contains(_api.Queries, q => q.Contains("labelSelector=kubernetes.io%2Fservice-name%3Dcache", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PortName_Configured_ThatPortIsUsed()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")], [("peer", 7000), ("groupcache", 8081)]));

        await using var ring = new RingWatcher(Source(o => o.PortName = "peer"));

        await ring.WaitForAsync(Self, "http://127.0.0.11:7000");
    }

    [Fact]
    public async Task PortName_Null_PortChosenByNumber()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")], [("http", 8080), ("peer", 7000)]));
        _api.Apply(Of("cache-b", [Endpoint("127.0.0.12")], [("http", 8080)]));

        await using var ring = new RingWatcher(Source(o =>
        {
            o.PortName = null;
            o.PortNumber = 7000;
        }));

        await ring.WaitForAsync(Self, "http://127.0.0.11:7000");
    }

    [Fact]
    public async Task PortName_MissingInASlice_ThePortNumberIsUsed_AndThatIsWarnedOnce()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")], [("http", 8080), ("gc", 8081)]));

        await using var ring = new RingWatcher(Source(o => o.PortNumber = 8081));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        await RingWatcher.EventuallyAsync(() => _api.OpenWatches == 1, "a watch is open");

        // More events that keep the slice as it is, and a second endpoint: still one warning.
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")], [("http", 8080), ("gc", 8081)]));
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11"), Endpoint("127.0.0.12")], [("http", 8080), ("gc", 8081)]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081");

        var warning = Assert.Single(Logger.Entries, e => e.EventId == 1311);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("EndpointSlices cache-a of service cache have no port named 'groupcache' (they have http/8080, gc/8081)", warning.Message);
        Assert.Contains("taken on port 8081, found by number", warning.Message);
        Assert.DoesNotContain(Logger.Entries, e => e.EventId == 1312);

        // Named as configured: the warning ends, and comes back when the name goes again.
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")], [("groupcache", 8081)]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.13")], [("gc", 8081)]));
        await ring.WaitForAsync(Self, "http://127.0.0.13:8081");
        Assert.Equal(2, Logger.Entries.Count(e => e.EventId == 1311));
    }

    [Fact]
    public async Task PortName_MissingAndNoPortNumber_EndpointsLeftOut_AndThatIsWarnedOnce()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")], [("http", 8080), ("gc", 8081)]));

        var source = Source();
        await using var ring = new RingWatcher(source);
        await RingWatcher.EventuallyAsync(() => _api.OpenWatches == 1, "a watch is open");
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11"), Endpoint("127.0.0.12")], [("http", 8080), ("gc", 8081)]));
        await RingWatcher.EventuallyAsync(() => source.Snapshot.Refreshes >= 2, "the event applied");

        Assert.Equal([Self], ring.Current);
        var warning = Assert.Single(Logger.Entries, e => e.EventId == 1312);
        Assert.Contains("EndpointSlices cache-a of service cache have no port named 'groupcache' (they have http/8080, gc/8081); their 1 ready endpoints are left out of the ring", warning.Message);
    }

    [Fact]
    public async Task Service_WithNoSlicesAtAll_WarnedOnceWhileItLasts_AgainAfterSlicesCameAndWent()
    {
        await using var ring = new RingWatcher(Source());
        await RingWatcher.EventuallyAsync(() => _api.OpenWatches == 1, "a watch is open");

        // A fresh list that still finds none: not said again.
        _api.EndWatches();
        await RingWatcher.EventuallyAsync(() => _api.Lists >= 2 && _api.OpenWatches == 1, "a second list and watch");
        var warning = Assert.Single(Logger.Entries, e => e.EventId == 1310);
        Assert.Contains("service cache in shop has no EndpointSlices (none labelled kubernetes.io/service-name=cache)", warning.Message);

        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        _api.Delete(Namespace, "cache-a");
        await ring.WaitForAsync(Self);
        await RingWatcher.EventuallyAsync(() => Logger.Entries.Count(e => e.EventId == 1310) == 2, "the warning again once the last slice went");
    }

    [Fact]
    public async Task Watch_Answers410Expired_ListsAfreshWithoutWaitingForTheStreamToEnd()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        var source = Source();
        await using var ring = new RingWatcher(source);
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        await RingWatcher.EventuallyAsync(() => _api.OpenWatches == 1, "a watch is open");
        int lists = _api.Lists;

        _api.Expire(endStreams: false);

        await RingWatcher.EventuallyAsync(() => _api.Lists > lists, "a new list after the 410");
        _api.Apply(Of("cache-b", [Endpoint("127.0.0.12")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081");
        Assert.Contains(Logger.Entries, e => e.EventId == 1306);
        Assert.Equal(0, source.Snapshot.Failures);
    }

    [Fact]
    public async Task Watch_ExpiredAtOnceEveryTime_ListsBackOff_NotATightLoop()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        _api.SetWatchesExpireAtOnce(true);
        var source = BackingOffSource();
        await using var ring = new RingWatcher(source);
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        await Task.Delay(BackOffWindow);

        // Backing off, where a list at once after each 410 made hundreds. The lists still keep the ring.
        Assert.InRange(_api.Lists, 2, 6);
        _api.Apply(Of("cache-b", [Endpoint("127.0.0.12")]));
        _api.SetWatchesExpireAtOnce(false);
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081");
    }

    [Fact]
    public async Task Watch_EndedByTheServer_ListsAfreshAndFollowsChangesMadeMeanwhile()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        await using var ring = new RingWatcher(Source());
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        await RingWatcher.EventuallyAsync(() => _api.OpenWatches == 1, "a watch is open");
        int lists = _api.Lists;

        _api.EndWatches();
        _api.Apply(Of("cache-b", [Endpoint("127.0.0.12")]));

        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081");
        await RingWatcher.EventuallyAsync(() => _api.Lists > lists, "a new list after the watch ended");
    }

    [Fact]
    public async Task Watch_SilentPastItsTimeout_GivenUpAndListedAfresh()
    {
        // The stub never ends a watch by itself, as a dead connection would not: the source must.
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        await using var ring = new RingWatcher(Source(o => o.WatchTimeout = TimeSpan.FromSeconds(1)));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");

        await RingWatcher.EventuallyAsync(() => _api.Lists >= 3, "two more lists after silent watches");
        Assert.Contains(_api.Queries, q => q.Contains("timeoutSeconds=1", StringComparison.Ordinal));
        _api.Apply(Of("cache-b", [Endpoint("127.0.0.12")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081");
    }

    [Fact]
    public async Task ApiOutage_RingKept_LoggedOncePerOutage_CountedAndRecovered()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11"), Endpoint("127.0.0.12")]));
        var source = Source();
        await using var ring = new RingWatcher(source);
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081");
        await RingWatcher.EventuallyAsync(() => _api.OpenWatches == 1, "a watch is open");
        int setsBefore = ring.Sets.Count;

        _api.SetDown(true);
        await RingWatcher.EventuallyAsync(() => source.Snapshot.Failures >= 4, "four failed attempts");

        Assert.Equal(setsBefore, ring.Sets.Count);
        Assert.Equal([Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081"], source.Snapshot.Peers);
        Assert.Contains("503", source.Snapshot.LastError, StringComparison.Ordinal);
        Assert.NotNull(source.Snapshot.LastErrorAt);
        Assert.Single(Logger.Entries, e => e.Level >= LogLevel.Warning);

        // The cluster changes while the API is away; the ring catches up when it is back.
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11"), Endpoint("127.0.0.13")]));
        _api.SetDown(false);

        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.13:8081");
        await RingWatcher.EventuallyAsync(() => source.Snapshot.LastError is null, "the error cleared");
        Assert.Single(Logger.Entries, e => e.EventId == 1303);

        // A second outage is a second warning.
        _api.SetDown(true);
        await RingWatcher.EventuallyAsync(() => Logger.Entries.Count(e => e.Level >= LogLevel.Warning) == 2, "a second warning");
        _api.SetDown(false);
        await RingWatcher.EventuallyAsync(() => Logger.Entries.Count(e => e.EventId == 1303) == 2, "a second recovery");
    }

    [Fact]
    public async Task WatchForbiddenWhileListsWork_ListsBackOff_OutageLoggedOnceUntilAWatchWorks()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        _api.SetWatchForbidden(true);
        var source = BackingOffSource();
        await using var ring = new RingWatcher(source);

        // The lists alone still fill the ring.
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        await Task.Delay(BackOffWindow);

        // Backing off; at a steady MinBackoff it was 12 or more lists, each with a warning and a recovery.
        Assert.InRange(_api.Lists, 2, 6);
        Assert.InRange(_api.WatchRequests, 2, 6);
        Assert.Single(Logger.Entries, e => e.Level >= LogLevel.Warning);
        Assert.DoesNotContain(Logger.Entries, e => e.EventId == 1303);
        Assert.Contains("403", source.Snapshot.LastError, StringComparison.Ordinal);

        // A watch that works ends the outage, once.
        _api.SetWatchForbidden(false);
        await RingWatcher.EventuallyAsync(() => _api.OpenWatches == 1, "a watch is open");
        _api.Apply(Of("cache-b", [Endpoint("127.0.0.12")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081");
        await RingWatcher.EventuallyAsync(() => source.Snapshot.LastError is null, "the error cleared");
        Assert.Single(Logger.Entries, e => e.EventId == 1303);
        Assert.Single(Logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task ApiUnreachableFromTheStart_SelfAloneAndRetriedUntilItAnswers()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        _api.SetDown(true);
        var source = Source();
        await using var ring = new RingWatcher(source);

        await RingWatcher.EventuallyAsync(() => source.Snapshot.Failures >= 2, "two failed attempts");
        Assert.Equal([Self], ring.Current);
        Assert.Null(source.Snapshot.LastRefresh);

        _api.SetDown(false);
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
    }

    [Fact]
    public async Task Self_NotReadyOrAbsentInTheSlices_AlwaysInEverySet()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.10", ready: false), Endpoint("127.0.0.11")]));
        await using var ring = new RingWatcher(Source());
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");

        _api.Delete(Namespace, "cache-a");
        await ring.WaitForAsync(Self);

        _api.Apply(Of("cache-a", [Endpoint("127.0.0.10"), Endpoint("127.0.0.11")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        Assert.All(ring.Sets, set => Assert.Contains(Self, set));
        Assert.All(ring.Sets, set => Assert.Equal(set.Distinct().Count(), set.Count));
    }

    [Fact]
    public async Task Self_DroppedFromTheSliceThenRestored_RaisesSelfRelistedOnce()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.10"), Endpoint("127.0.0.11")]));
        var source = Source();
        int raised = 0;
        source.SelfRelisted += (sender, _) =>
        {
            Assert.Same(source, sender);
            Interlocked.Increment(ref raised);
        };
        await using var ring = new RingWatcher(source);
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        await RingWatcher.EventuallyAsync(() => _api.OpenWatches == 1, "a watch is open");

        // The first listing is no return; another endpoint's change neither.
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.10"), Endpoint("127.0.0.11"), Endpoint("127.0.0.12")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081");
        Assert.Equal(0, raised);

        // Not ready for a moment, then dropped: the ring keeps this node, nothing is raised.
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.10", ready: false), Endpoint("127.0.0.11"), Endpoint("127.0.0.12")]));
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        Assert.Equal(0, raised);

        // Restored: raised once, before the set that follows is handed on.
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.10"), Endpoint("127.0.0.11"), Endpoint("127.0.0.13")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.13:8081");
        Assert.Equal(1, raised);
        Assert.Single(Logger.Entries, e => e.EventId == 1308);

        // Still listed, in a new list after the watch ended: no second return.
        int lists = _api.Lists;
        _api.EndWatches();
        _api.Apply(Of("cache-b", [Endpoint("127.0.0.14")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.13:8081", "http://127.0.0.14:8081");
        await RingWatcher.EventuallyAsync(() => _api.Lists > lists, "a new list after the watch ended");
        Assert.Equal(1, raised);

        // Dropped by a new list (the watch ended meanwhile) and restored: a second return.
        _api.EndWatches();
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        await ring.WaitForAsync(Self, "http://127.0.0.11:8081", "http://127.0.0.14:8081");
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.10"), Endpoint("127.0.0.11")]));
        await RingWatcher.EventuallyAsync(() => raised == 2, "a second SelfRelisted");
        Assert.Equal([Self, "http://127.0.0.11:8081", "http://127.0.0.14:8081"], ring.Current);
    }

    [Fact]
    public async Task Namespace_Unset_ReadFromTheServiceAccountFile()
    {
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, Namespace + "\n");
            _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
            var source = Source(o =>
            {
                o.Namespace = null;
                o.NamespaceFile = file;
            });

            await using var ring = new RingWatcher(source);

            Assert.Equal(Namespace, source.Namespace);
            await ring.WaitForAsync(Self, "http://127.0.0.11:8081");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Options_WithoutServiceSelfOrReadableNamespace_RejectedAtConstruction()
    {
        Assert.Throws<ArgumentException>(() => Source(o => o.ServiceName = null));
        Assert.Throws<ArgumentException>(() => Source(o => o.Self = "not a url"));
        Assert.Throws<ArgumentException>(() => Source(o => o.MinBackoff = TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => Source(o => o.PortName = null));
        var missing = Assert.Throws<InvalidOperationException>(() => Source(o =>
        {
            o.Namespace = null;
            o.NamespaceFile = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "namespace");
        }));
        Assert.Contains("namespace", missing.Message, StringComparison.Ordinal);
    }

    // With BackingOffSource's waits (0.5, 1, 2, 4 s and a fifth more at most), about 5 lists in this
    // window: the tests that watches keep failing back off assert 2 to 6.
    private static readonly TimeSpan BackOffWindow = TimeSpan.FromSeconds(6);

    private KubernetesPeerSource BackingOffSource() => Source(o =>
    {
        o.MinBackoff = TimeSpan.FromMilliseconds(500);
        o.MaxBackoff = TimeSpan.FromSeconds(4);
    });

    private KubernetesPeerSource Source(Action<KubernetesDiscoveryOptions>? configure = null)
    {
        var options = new KubernetesDiscoveryOptions
        {
            ServiceName = Service,
            Namespace = Namespace,
            Self = Self,
            ClientConfiguration = _api.Configuration,
            MinBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        return new KubernetesPeerSource(options, Logger);
    }
}
