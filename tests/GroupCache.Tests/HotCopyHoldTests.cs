namespace GroupCache.Tests;

/// <summary>
/// <see cref="Group.HoldHotCopies"/>: while held, a peer's answer is passed on but not copied, so a
/// peer that still serves an old value (it has not flushed yet) leaves nothing behind here.
/// </summary>
public class HotCopyHoldTests
{
    private const string Key = "k";

    private static (Group Group, FakePeer Peer, ManualClock Clock) NewNode()
    {
        var clock = new ManualClock();
        var peer = new FakePeer { Value = _ => "old" };
        var group = new Group("g", 1 << 20, new CountingGetter(), new FakePicker(peer, _ => true), new GroupOptions { Random = new FixedRandom(0), TimeProvider = clock });
        return (group, peer, clock);
    }

    [Fact]
    public async Task Get_WhileHeld_PassesThePeersAnswerOnWithoutACopy_SoThePeersNewValueIsSeenNext()
    {
        var (group, peer, _) = NewNode();
        group.HoldHotCopies(TimeSpan.FromSeconds(10));

        Assert.Equal("old", (await group.GetAsync(Key)).ToString());
        peer.Value = _ => "new"; // the peer flushed and reloaded
        Assert.Equal("new", (await group.GetAsync(Key)).ToString());

        Assert.Equal(2, peer.Hits);
        Assert.Equal(0, group.GetCacheStats(CacheType.Hot).Items);
    }

    [Fact]
    public async Task Get_AfterTheHoldEnds_CopiesAgain()
    {
        var (group, peer, clock) = NewNode();
        group.HoldHotCopies(TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal((1, 1), await TwoGetsAsync(group, peer));
    }

    [Fact]
    public async Task HoldHotCopies_AShorterHoldAfterALongerOne_KeepsTheLongerOne()
    {
        var (group, peer, clock) = NewNode();
        group.HoldHotCopies(TimeSpan.FromSeconds(30));
        group.HoldHotCopies(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal((2, 0), await TwoGetsAsync(group, peer));
    }

    [Fact]
    public async Task Get_WallClockSteppedPastTheHold_StillHeld()
    {
        var (group, peer, clock) = NewNode();
        group.HoldHotCopies(TimeSpan.FromSeconds(10));
        clock.StepWallClock(TimeSpan.FromHours(1));
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal((2, 0), await TwoGetsAsync(group, peer));
    }

    [Fact]
    public async Task HoldHotCopies_NegativeOrEndless_IsRefusedOrHeldForGood()
    {
        var (group, peer, clock) = NewNode();

        Assert.Throws<ArgumentOutOfRangeException>(() => group.HoldHotCopies(TimeSpan.FromTicks(-1)));
        group.HoldHotCopies(TimeSpan.MaxValue); // no overflow into the past
        clock.Advance(TimeSpan.FromDays(10_000));

        Assert.Equal((2, 0), await TwoGetsAsync(group, peer));
    }

    [Fact]
    public async Task Get_AfterAFlushAndAHold_DoesNotKeepAnOldValueAPeerServedBeforeItsOwnFlush()
    {
        // The partition case (docs/RELIABILITY.md): this node flushed when a member came back; the
        // owner has not heard of it yet and serves its old value. Without the hold, one copy of it
        // here outlives the owner's flush and is served for good.
        var (group, peer, _) = NewNode();
        await group.GetAsync(Key);
        group.HoldHotCopies(TimeSpan.FromSeconds(10));
        group.Clear();

        Assert.Equal("old", (await group.GetAsync(Key)).ToString());
        peer.Value = _ => "new";

        Assert.Equal("new", (await group.GetAsync(Key)).ToString());
    }

    /// <summary>Gets <see cref="Key"/> twice: how often the peer was asked, and what the hot cache holds after.</summary>
    private static async Task<(int PeerAsks, long HotItems)> TwoGetsAsync(Group group, FakePeer peer)
    {
        await group.GetAsync(Key);
        await group.GetAsync(Key);
        return (peer.Hits, group.GetCacheStats(CacheType.Hot).Items);
    }
}
