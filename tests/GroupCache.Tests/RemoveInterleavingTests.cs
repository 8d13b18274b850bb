namespace GroupCache.Tests;

/// <summary>
/// A get that starts after <see cref="Group.Remove"/> returned must never see the removed value,
/// whichever step of the remove a concurrent load slips in at. Each row forces one interleaving
/// with the group's test hooks:
/// <list type="number">
/// <item>G1 misses the caches and is held before it starts a flight;</item>
/// <item>G0 loads and caches the old value (so G1's flight will find it if it looks too early);</item>
/// <item>the source changes and Remove runs on another thread, held after the named step;</item>
/// <item>G1 starts its flight, which looks in the caches again and is held right after;</item>
/// <item>Remove finishes; G2 starts (it may join G1's flight); G1's flight is released.</item>
/// </list>
/// G2 must get the new value.
/// </summary>
public class RemoveInterleavingTests
{
    private const long Budget = 1 << 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("GenerationBumped", "Local")]
    [InlineData("FlightsForgotten", "Local")]
    [InlineData("CachesCleared", "Local")]
    [InlineData("GenerationBumped", "HotFromPeer")]
    [InlineData("FlightsForgotten", "HotFromPeer")]
    [InlineData("CachesCleared", "HotFromPeer")]
    [InlineData("GenerationBumped", "ServedForPeer")]
    [InlineData("FlightsForgotten", "ServedForPeer")]
    [InlineData("CachesCleared", "ServedForPeer")]
    public async Task Remove_LoadSlipsInAfterAStep_NoGetStartedAfterRemoveSeesTheOldValue(string step, string path)
    {
        var pauseAt = Enum.Parse<RemoveStep>(step);
        string source = "old";
        var getter = new CountingGetter { Value = _ => ByteView.FromString(Volatile.Read(ref source)) };
        var peer = new FakePeer { Value = _ => Volatile.Read(ref source) };

        // Local: this node owns the key. HotFromPeer: a peer owns it and every peer load is
        // mirrored in the hot cache. ServedForPeer: a peer asks us for a key our ring gives to
        // another node, so the load runs in the served flight and is cached in the main cache.
        bool peerOwns = path != "Local";
        var group = new Group("g", Budget, getter, new FakePicker(peer, _ => peerOwns), new GroupOptions { Random = new FixedRandom(0) });
        Func<Task<string>> get = path == "ServedForPeer"
            ? async () => (await group.GetForPeerAsync("k")).Value.ToString()
            : async () => (await group.GetAsync("k")).ToString();

        var g1BeforeFlight = NewGate();
        var releaseG1 = NewGate();
        var flightChecked = NewGate();
        var releaseFlight = NewGate();
        var removePaused = NewGate();
        var releaseRemove = NewGate();
        int beforeFlightCalls = 0;
        int holdFlight = 0;
        group.TestHooks = new GroupTestHooks
        {
            BeforeFlight = _ =>
            {
                if (Interlocked.Increment(ref beforeFlightCalls) != 1)
                {
                    return Task.CompletedTask;
                }

                g1BeforeFlight.SetResult();
                return releaseG1.Task;
            },
            AfterFlightCacheCheck = _ =>
            {
                if (Interlocked.Exchange(ref holdFlight, 0) != 1)
                {
                    return Task.CompletedTask;
                }

                flightChecked.SetResult();
                return releaseFlight.Task;
            },
            DuringRemove = (_, done) =>
            {
                if (done == pauseAt)
                {
                    removePaused.SetResult();
                    Assert.True(releaseRemove.Task.Wait(Patience), "the test never released Remove");
                }
            },
        };

        var g1 = get();
        await g1BeforeFlight.Task.WaitAsync(Patience);
        Assert.Equal("old", await get().WaitAsync(Patience));

        Volatile.Write(ref source, "new");
        var remove = Task.Run(() => group.Remove("k"));
        await removePaused.Task.WaitAsync(Patience);

        Volatile.Write(ref holdFlight, 1);
        releaseG1.SetResult();
        await flightChecked.Task.WaitAsync(Patience);

        releaseRemove.SetResult();
        await remove.WaitAsync(Patience);

        var g2 = get();
        releaseFlight.SetResult();

        Assert.Equal("new", await g2.WaitAsync(Patience));
        Assert.Contains(await g1.WaitAsync(Patience), new[] { "old", "new" });
        Assert.Equal("new", await get().WaitAsync(Patience));
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
