namespace GroupCache.Tests;

/// <summary>Group.RemoveAsync with a fake ring of this node and one peer.</summary>
public class GroupRemoveTests
{
    private static Group NewGroup(FakePicker picker) =>
        new("g", 1 << 20, new GetterFunc((k, _) => ValueTask.FromResult(ByteView.FromString(k))), picker);

    [Fact]
    public async Task RemoveAsync_PeerOwnsKey_AsksItInBothPassesAndForgetsLocally()
    {
        var picker = new FakePicker(new FakePeer(), _ => false);
        var group = NewGroup(picker);
        await group.GetAsync("k");
        picker.OwnedByPeer = _ => true;

        var result = await group.RemoveAsync("k");

        Assert.Equal(2, picker.Peer.Removes);
        Assert.Equal(0, group.GetCacheStats(CacheType.Main).Items);
        Assert.Equal(new RemoveResult(2, 2, [], []), result with { Unreached = [], CannotForget = [] });
        Assert.Empty(result.Unreached);
    }

    [Fact]
    public async Task RemoveAsync_PeerFails_ReportsItAndStillForgetsLocally()
    {
        var picker = new FakePicker(new FakePeer { Fail = true }, _ => false);
        var group = NewGroup(picker);
        await group.GetAsync("k");

        var result = await group.RemoveAsync("k");

        Assert.Equal(0, group.GetCacheStats(CacheType.Main).Items);
        Assert.Equal(2, result.Asked);
        Assert.Equal(1, result.Confirmed);
        Assert.Equal([picker.Peer.ToString()!], result.Unreached);
    }

    [Fact]
    public async Task RemoveAsync_NoPeers_ForgetsLocallyOnly()
    {
        var group = new Group("g", 1 << 20, new GetterFunc((k, _) => ValueTask.FromResult(ByteView.FromString(k))));
        await group.GetAsync("k");

        var result = await group.RemoveAsync("k");

        Assert.Equal(0, group.GetCacheStats(CacheType.Main).Items);
        Assert.Equal(1, result.Asked);
        Assert.True(result.Complete);
    }

    /// <summary>Timestamps that never move: whatever the machine's pace, every removal falls in one interval.</summary>
    private sealed class FrozenClock : TimeProvider
    {
        public override long GetTimestamp() => 42;
    }

    [Fact]
    public async Task RemoveAsync_PeerDownForManyRemovals_WarnsOncePerInterval()
    {
        var picker = new FakePicker(new FakePeer { Fail = true }, _ => false);
        var log = new RecordingLogger();
        var group = new Group("g", 1 << 20, new GetterFunc((k, _) => ValueTask.FromResult(ByteView.FromString(k))), picker,
            new GroupOptions { Logger = log, TimeProvider = new FrozenClock() });

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal([picker.Peer.ToString()!], (await group.RemoveAsync($"k{i}")).Unreached);
        }

        var entry = Assert.Single(log.Entries, e => e.EventId == 1003);
        Assert.Equal("k0", entry.Values["Key"]);
    }
}
