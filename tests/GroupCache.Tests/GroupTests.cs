namespace GroupCache.Tests;

public class GroupTests
{
    private const long Budget = 1 << 20;

    [Fact]
    public async Task GetAsync_MissThenHit_LoadsOnce()
    {
        var getter = new CountingGetter();
        var group = new Group("g", Budget, getter);

        var first = await group.GetAsync("apple");
        var second = await group.GetAsync("apple");

        Assert.Equal("local:apple", first.ToString());
        Assert.Equal(first, second);
        Assert.Equal(1, getter.Loads);
        Assert.Equal(2, group.Stats.Gets);
        Assert.Equal(1, group.Stats.CacheHits);
        Assert.Equal(1, group.Stats.Loads);
        Assert.Equal(1, group.Stats.LoadsDeduped);
        Assert.Equal(1, group.Stats.LocalLoads);
        Assert.Equal(1, group.GetCacheStats(CacheType.Main).Items);
    }

    [Fact]
    public async Task GetAsync_HundredConcurrentColdGets_LoadOnce()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var getter = new CountingGetter { Gate = gate.Task };
        var group = new Group("g", Budget, getter);

        var gets = Enumerable.Range(0, 100).Select(_ => group.GetAsync("cold").AsTask()).ToArray();
        gate.SetResult();
        var values = await Task.WhenAll(gets);

        Assert.Equal(1, getter.Loads);
        Assert.All(values, v => Assert.Equal("local:cold", v.ToString()));
        Assert.Equal(100, group.Stats.Loads);
        Assert.Equal(1, group.Stats.LoadsDeduped);
    }

    [Fact]
    public async Task GetAsync_KeyOwnedByPeer_FetchesFromThePeerNotTheGetter()
    {
        var getter = new CountingGetter();
        var picker = new FakePicker(new FakePeer(), _ => true);
        var group = new Group("g", Budget, getter, picker, new GroupOptions { Random = new FixedRandom(5) });

        var value = await group.GetAsync("k");

        Assert.Equal("peer:k", value.ToString());
        Assert.Equal(0, getter.Loads);
        Assert.Equal(1, picker.Peer.Hits);
        Assert.Equal(1, group.Stats.PeerLoads);
        Assert.Equal(0, group.Stats.LocalLoads);
    }

    [Fact]
    public async Task GetAsync_PeerFails_LoadsLocallyAndCountsPeerError()
    {
        var getter = new CountingGetter();
        var picker = new FakePicker(new FakePeer { Fail = true }, _ => true);
        var log = new RecordingLogger();
        var group = new Group("g", Budget, getter, picker, new GroupOptions { Logger = log });

        var value = await group.GetAsync("k");

        Assert.Equal("local:k", value.ToString());
        Assert.Equal(1, group.Stats.PeerErrors);
        Assert.Equal(0, group.Stats.PeerLoads);
        Assert.Equal(1, group.Stats.LocalLoads);
        var entry = Assert.Single(log.Entries);
        Assert.Equal(1001, entry.EventId);
        Assert.Equal("k", entry.Values["Key"]);
        Assert.IsType<HttpRequestException>(entry.Exception);
    }

    [Fact]
    public async Task GetAsync_PeerSaysNotFound_IsFinalAndNotLoadedLocally()
    {
        var getter = new CountingGetter();
        var picker = new FakePicker(new FakePeer { NotFound = true }, _ => true);
        var group = new Group("g", Budget, getter, picker);

        await Assert.ThrowsAsync<NotFoundException>(() => group.GetAsync("k").AsTask());

        Assert.Equal(0, getter.Loads);
        Assert.Equal(0, group.Stats.PeerErrors);
    }

    [Fact]
    public async Task GetAsync_GetterFails_ErrorIsSharedAndNothingIsCached()
    {
        var getter = new CountingGetter { Fail = new InvalidOperationException("source down") };
        var group = new Group("g", Budget, getter);

        await Assert.ThrowsAsync<InvalidOperationException>(() => group.GetAsync("k").AsTask());
        getter.Fail = null;
        var value = await group.GetAsync("k");

        Assert.Equal("local:k", value.ToString());
        Assert.Equal(2, getter.Loads);
        Assert.Equal(1, group.Stats.LocalLoadErrs);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(9, false)]
    public async Task GetAsync_PeerLoad_MirrorsInHotCacheOnlyWhenTheDrawIsZero(int draw, bool mirrored)
    {
        var picker = new FakePicker(new FakePeer(), _ => true);
        var group = new Group("g", Budget, new CountingGetter(), picker, new GroupOptions { Random = new FixedRandom(draw) });

        await group.GetAsync("popular");
        await group.GetAsync("popular");

        Assert.Equal(mirrored ? 1 : 2, picker.Peer.Hits);
        Assert.Equal(mirrored ? 1 : 0, group.GetCacheStats(CacheType.Hot).Items);
        Assert.Equal(0, group.GetCacheStats(CacheType.Main).Items);
    }

    [Fact]
    public async Task GetAsync_ManyLoads_MainPlusHotStayWithinBudget()
    {
        const long budget = 400;
        var picker = new FakePicker(new FakePeer(), key => key.StartsWith('p'));
        var group = new Group("g", budget, new CountingGetter(), picker, new GroupOptions { Random = new FixedRandom(0) });

        for (int i = 0; i < 200; i++)
        {
            await group.GetAsync((i % 3 == 0 ? "p" : "l") + i);
            var main = group.GetCacheStats(CacheType.Main);
            var hot = group.GetCacheStats(CacheType.Hot);
            Assert.True(main.Bytes + hot.Bytes <= budget, $"{main.Bytes} + {hot.Bytes} > {budget} after {i}");
        }

        Assert.True(group.GetCacheStats(CacheType.Main).Evictions > 0);
        Assert.True(group.GetCacheStats(CacheType.Hot).Evictions > 0);

        // The hot cache is held to about an eighth of the main cache.
        var finalMain = group.GetCacheStats(CacheType.Main);
        var finalHot = group.GetCacheStats(CacheType.Hot);
        Assert.True(finalHot.Bytes <= (finalMain.Bytes / 8) + 20, $"hot {finalHot.Bytes} vs main {finalMain.Bytes}");
    }

    [Fact]
    public async Task GetAsync_ZeroBudget_CachesNothing()
    {
        var getter = new CountingGetter();
        var group = new Group("g", 0, getter);

        await group.GetAsync("k");
        await group.GetAsync("k");

        Assert.Equal(2, getter.Loads);
        Assert.Equal(0, group.Stats.CacheHits);
        Assert.Equal(0, group.GetCacheStats(CacheType.Main).Items);
    }

    [Fact]
    public async Task GetAsync_OneCallerCancels_TheLoadStillCompletesForOthers()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var getter = new CountingGetter { Gate = gate.Task };
        var group = new Group("g", Budget, getter);
        using var cts = new CancellationTokenSource();

        var impatient = group.GetAsync("k", cts.Token).AsTask();
        var patient = group.GetAsync("k").AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        gate.SetResult();

        Assert.Equal("local:k", (await patient).ToString());
        Assert.Equal(1, getter.Loads);
        Assert.Equal(1, group.GetCacheStats(CacheType.Main).Items);
    }

    [Fact]
    public async Task GetAsync_EveryCallerCancels_GetterTokenCancelledAndNextGetLoadsAfresh()
    {
        // A getter that honours its token only: the IGetter contract says it is cancelled when
        // nobody waits for the load any more.
        var seen = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        int loads = 0;
        var group = new Group("g", Budget, new GetterFunc(async (key, token) =>
        {
            if (Interlocked.Increment(ref loads) == 1)
            {
                seen.SetResult(token);
                await Task.Delay(Timeout.Infinite, token);
            }

            return ByteView.FromString("fresh:" + key);
        }));
        using var cts = new CancellationTokenSource();

        var abandoned = group.GetAsync("k", cts.Token).AsTask();
        var getterToken = await seen.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        Assert.True(getterToken.IsCancellationRequested);
        Assert.Equal("fresh:k", (await group.GetAsync("k").AsTask().WaitAsync(TimeSpan.FromSeconds(5))).ToString());
        Assert.Equal(2, loads);
        Assert.Equal(0, group.Stats.LocalLoadErrs); // an abandoned load is not a failure of the source
    }

    [Fact]
    public async Task GetAsync_EveryCallerCancelsAPeerFetch_PeerTokenCancelledWithoutALocalLoad()
    {
        var peer = new TokenWatchingPeer();
        var getter = new CountingGetter();
        var group = new Group("g", Budget, getter, new OnePeerPicker(peer));
        using var cts = new CancellationTokenSource();

        var abandoned = group.GetAsync("k", cts.Token).AsTask();
        var peerToken = await peer.Seen.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await Task.Delay(100); // time for a fallback load that must not come

        Assert.True(peerToken.IsCancellationRequested);
        Assert.Equal(0, getter.Loads);
        Assert.Equal(0, group.Stats.PeerErrors);
    }

    [Fact]
    public async Task Constructor_OptionsChangedAfterwards_GroupKeepsWhatItWasGiven()
    {
        var options = new GroupOptions { Ttl = TimeSpan.FromMinutes(1) };
        var getter = new CountingGetter();
        var group = new Group("g", Budget, getter, options: options);

        options.Ttl = TimeSpan.FromDays(365 * 300); // past MaxTtl: never validated for this group

        Assert.Equal(TimeSpan.FromMinutes(1), group.Ttl);
        await group.GetAsync("k");
        await group.GetAsync("k");
        Assert.Equal(1, getter.Loads); // cached with the TTL it was built with, not expired on arrival
    }

    [Fact]
    public async Task GetForPeerAsync_KeyOwnedElsewhere_LoadsLocallyWithoutForwarding()
    {
        var getter = new CountingGetter();
        var picker = new FakePicker(new FakePeer(), _ => true);
        var group = new Group("g", Budget, getter, picker);

        var response = await group.GetForPeerAsync("k");

        Assert.Equal("local:k", response.Value.ToString());
        Assert.Equal(0, picker.Peer.Hits);
        Assert.Equal(1, getter.Loads);
        Assert.Equal(1, group.Stats.ServerRequests);
    }

    [Fact]
    public async Task GetForPeerAsync_OwnedHere_SharesTheFlightOfLocalGets()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var getter = new CountingGetter { Gate = gate.Task };
        var group = new Group("g", Budget, getter, new FakePicker(new FakePeer(), _ => false));

        var local = group.GetAsync("k").AsTask();
        var fromPeer = group.GetForPeerAsync("k").AsTask();
        gate.SetResult();
        await Task.WhenAll(local, fromPeer);

        Assert.Equal(1, getter.Loads);
    }

    [Fact]
    public async Task GetAsync_AfterTtl_LoadsAgainAndCountsExpiration()
    {
        var clock = new ManualClock();
        var getter = new CountingGetter();
        var group = new Group("g", Budget, getter, options: new GroupOptions { Ttl = TimeSpan.FromSeconds(30), TimeProvider = clock });

        await group.GetAsync("k");
        clock.Advance(TimeSpan.FromSeconds(29));
        await group.GetAsync("k");
        Assert.Equal(1, getter.Loads);

        clock.Advance(TimeSpan.FromSeconds(2));
        await group.GetAsync("k");

        Assert.Equal(2, getter.Loads);
        Assert.Equal(1, group.GetCacheStats(CacheType.Main).Expirations);
    }

    [Fact]
    public async Task GetForPeerAsync_WithTtl_SendsTheOwnersExpiry()
    {
        var clock = new ManualClock();
        var group = new Group("g", Budget, new CountingGetter(), options: new GroupOptions { Ttl = TimeSpan.FromMinutes(5), TimeProvider = clock });

        var response = await group.GetForPeerAsync("k");

        Assert.Equal(UnixNanos.From(clock.GetUtcNow() + TimeSpan.FromMinutes(5)), response.ExpiresAtUnixNanos);
    }

    [Fact]
    public async Task GetAsync_HotCopy_ExpiresWithTheOwnersExpiry()
    {
        var clock = new ManualClock();
        var peer = new FakePeer { ExpiresAt = UnixNanos.From(clock.GetUtcNow() + TimeSpan.FromSeconds(10)) };
        var group = new Group("g", Budget, new CountingGetter(), new FakePicker(peer, _ => true), new GroupOptions { Random = new FixedRandom(0), TimeProvider = clock });

        await group.GetAsync("k");
        await group.GetAsync("k");
        Assert.Equal(1, peer.Hits);

        clock.Advance(TimeSpan.FromSeconds(11));
        await group.GetAsync("k");

        Assert.Equal(2, peer.Hits);
        Assert.Equal(1, group.GetCacheStats(CacheType.Hot).Expirations);
    }

    [Theory]
    [InlineData(0L)]         // the owner stamps nothing: a golang/groupcache node, or one without a TTL
    [InlineData(3_600L)]     // the owner's TTL is an hour
    public async Task GetAsync_HotCopy_ExpiresNoLaterThanThisGroupsTtl(long ownersTtlSeconds)
    {
        var clock = new ManualClock();
        var peer = new FakePeer { ExpiresAt = ownersTtlSeconds == 0 ? 0 : UnixNanos.From(clock.GetUtcNow() + TimeSpan.FromSeconds(ownersTtlSeconds)) };
        var options = new GroupOptions { Random = new FixedRandom(0), TimeProvider = clock, Ttl = TimeSpan.FromSeconds(10) };
        var group = new Group("g", Budget, new CountingGetter(), new FakePicker(peer, _ => true), options);

        await group.GetAsync("k");
        clock.Advance(TimeSpan.FromSeconds(9));
        await group.GetAsync("k");
        Assert.Equal(1, peer.Hits);

        peer.Value = key => "new:" + key;
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("new:k", (await group.GetAsync("k")).ToString());
        Assert.Equal(2, peer.Hits);
        Assert.Equal(1, group.GetCacheStats(CacheType.Hot).Expirations);
    }

    [Fact]
    public async Task Remove_DuringALoad_TheOldValueIsNeverCachedOrShared()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var getter = new CountingGetter { Gate = gate.Task, Value = _ => ByteView.FromString("old") };
        var group = new Group("g", Budget, getter);

        var before = group.GetAsync("k").AsTask();
        group.Remove("k");
        getter.Gate = null;
        getter.Value = _ => ByteView.FromString("new");
        var after = await group.GetAsync("k");
        gate.SetResult();

        Assert.Equal("old", (await before).ToString());
        Assert.Equal("new", after.ToString());
        Assert.Equal("new", (await group.GetAsync("k")).ToString());
        Assert.Equal(2, getter.Loads);
    }

    [Fact]
    public async Task Remove_CachedKey_NextGetLoadsAgain()
    {
        var getter = new CountingGetter();
        var group = new Group("g", Budget, getter);
        await group.GetAsync("k");

        Assert.True(group.Remove("k"));
        Assert.False(group.Remove("k"));
        await group.GetAsync("k");

        Assert.Equal(2, getter.Loads);
    }

    /// <summary>A value heavier than the whole budget would be evicted as soon as it was added: it is not cached at all.</summary>
    [Fact]
    public async Task GetAsync_ValueLargerThanTheBudget_ReturnsItAndCachesNothing()
    {
        var getter = new CountingGetter { Value = key => new ByteView(new byte[200]) };
        var group = new Group("g", 100, getter);
        await group.GetAsync("small-enough-key"); // nothing else cached either

        var first = await group.GetAsync("big");
        var second = await group.GetAsync("big");

        Assert.Equal(200, first.Length);
        Assert.Equal(200, second.Length);
        Assert.Equal(3, getter.Loads);
        var main = group.GetCacheStats(CacheType.Main);
        Assert.Equal(0, main.Items);
        Assert.Equal(0, main.Bytes);
        Assert.Equal(0, main.Evictions);
    }

    /// <summary>
    /// A value whose record no slab could hold (its length near the largest array's) is returned,
    /// not cached: the getter succeeded, so the load must not fail.
    /// </summary>
    [Fact]
    public async Task GetAsync_ValueTooLargeForASlab_ReturnsItUncached()
    {
        var huge = ClaimedMemory.OfLength(int.MaxValue); // only its length is real
        var getter = new CountingGetter { Value = _ => huge };
        var group = new Group("g", long.MaxValue, getter);

        var value = await group.GetAsync("huge");

        Assert.Equal(int.MaxValue, value.Length);
        Assert.Equal(0, group.GetCacheStats(CacheType.Main).Items);
        Assert.Equal(0, group.Stats.LocalLoadErrs);
    }

    /// <summary>
    /// When the cache cannot allocate a slab for a loaded value (out of memory), the load still
    /// returns it, uncached, and the cache keeps no trace of the attempt.
    /// </summary>
    [Fact]
    public async Task GetAsync_SlabAllocationFails_ReturnsTheValueUncached()
    {
        var getter = new CountingGetter();
        var group = new Group("g", Budget, getter);
        group.MainCache.SlabAllocator = _ => throw new OutOfMemoryException();

        var first = await group.GetAsync("k");
        var second = await group.GetAsync("k");

        Assert.Equal("local:k", first.ToString());
        Assert.Equal("local:k", second.ToString());
        Assert.Equal(2, getter.Loads);
        Assert.Equal(0, group.Stats.LocalLoadErrs);
        Assert.Equal(0, group.MainCache.Count);
        Assert.Equal(0, group.MainCache.Bytes);
        Assert.Equal(0, group.MainCache.EntriesTaken);
    }

    [Fact]
    public async Task Clear_MainAndHotEntries_AllLoadAgain()
    {
        var getter = new CountingGetter();
        var picker = new FakePicker(new FakePeer(), key => key.StartsWith("peer-", StringComparison.Ordinal));
        var group = new Group("g", Budget, getter, picker, new GroupOptions { Random = new FixedRandom(0) });
        await group.GetAsync("a");
        await group.GetAsync("b");
        await group.GetAsync("peer-c"); // mirrored in the hot cache (the draw is 0)

        Assert.Equal(3, group.Clear());
        await group.GetAsync("a");
        await group.GetAsync("peer-c");

        Assert.Equal(3, getter.Loads);
        Assert.Equal(2, picker.Peer.Hits);
        Assert.Equal(2, group.Clear()); // what the two gets above cached again
    }

    /// <summary>
    /// Clear empties a large cache in batches: no hold of the cache's lock walks more than one
    /// batch of entries, where walking the whole recency list (and decoding every key) under it
    /// kept every add, remove and expiry waiting.
    /// </summary>
    [Fact]
    public async Task Clear_ManyEntries_EmptiesTheCacheOneBoundedBatchAtATime()
    {
        const int n = 20_000;
        var group = new Group("g", 64 << 20, new CountingGetter());
        for (int i = 0; i < n; i++)
        {
            await group.GetAsync("key-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(n, group.GetCacheStats(CacheType.Main).Items);

        Assert.Equal(n, group.Clear());

        var main = group.GetCacheStats(CacheType.Main);
        Assert.Equal(0, main.Items);
        Assert.Equal(0, main.Bytes);
        Assert.Equal(0, main.Evictions);
        Assert.InRange(group.MainCache.MostWalkedInOneHold, 1, GroupCache.Lru.ConcurrentLru.RemoveBatch);
        Assert.InRange(group.MainCache.SlabBytes, 0, GroupCache.Lru.ConcurrentLru.SlabSize);
        Assert.Equal(0, group.Clear());
    }

    [Fact]
    public async Task Clear_DuringALoad_TheLoadIsNotCached()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var getter = new CountingGetter { Gate = gate.Task, Value = _ => ByteView.FromString("old") };
        var group = new Group("g", Budget, getter);

        var before = group.GetAsync("k").AsTask();
        group.Clear();
        gate.SetResult();
        Assert.Equal("old", (await before).ToString());
        getter.Gate = null;
        getter.Value = _ => ByteView.FromString("new");

        Assert.Equal("new", (await group.GetAsync("k")).ToString());
        Assert.Equal(2, getter.Loads);
    }

    /// <summary>As after <see cref="Group.Remove"/>: a get that starts after Clear returned does not join a load from before it.</summary>
    [Fact]
    public async Task Clear_DuringALoad_AGetAfterTheClearLoadsAfresh()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var getter = new CountingGetter { Gate = gate.Task, Value = _ => ByteView.FromString("old") };
        var group = new Group("g", Budget, getter);
        var before = group.GetAsync("k").AsTask();
        Assert.True(SpinWait.SpinUntil(() => getter.Loads == 1, TimeSpan.FromSeconds(5)));

        group.Clear();
        getter.Gate = null;
        getter.Value = _ => ByteView.FromString("new");
        var after = await group.GetAsync("k").AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("new", after.ToString());
        Assert.Equal(2, getter.Loads);
        gate.SetResult();
        Assert.Equal("old", (await before).ToString());
        Assert.Equal("new", (await group.GetAsync("k")).ToString());
    }

    [Fact]
    public void Constructor_BadArguments_Throw()
    {
        Assert.Throws<ArgumentException>(() => new Group("", Budget, new CountingGetter()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Group("g", -1, new CountingGetter()));
        Assert.Throws<ArgumentNullException>(() => new Group("g", Budget, null!));
    }

    [Fact]
    public async Task GetterFunc_AdaptsADelegate()
    {
        var group = new Group("g", Budget, new GetterFunc((key, _) => ValueTask.FromResult(ByteView.FromString(key.ToUpperInvariant()))));

        Assert.Equal("ABC", (await group.GetAsync("abc")).ToString());
    }
}
