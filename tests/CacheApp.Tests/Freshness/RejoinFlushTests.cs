using System.Diagnostics.CodeAnalysis;
using CacheApp.Freshness;
using GroupCache;
using GroupCache.Peers;
using Microsoft.Extensions.Logging.Abstractions;

namespace CacheApp.Tests.Freshness;

/// <summary>
/// <see cref="RejoinFlush"/> after a partition healed: this node empties its caches, and copies no
/// peer's answer for a while, because the owner may not have flushed yet.
/// </summary>
public class RejoinFlushTests
{
    private const string Key = "k";

    /// <summary>The owner of every key, answering whatever <see cref="Value"/> says; every answer is copied (<see cref="CopyAll"/>).</summary>
    private sealed class Owner : IPeerClient, IPeerPicker
    {
        public string Value { get; set; } = "old";

        public ValueTask<PeerResponse> GetAsync(string group, string key, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new PeerResponse(ByteView.FromString(Value), 0));

        public Task<bool> RemoveAsync(string group, string key, CancellationToken cancellationToken) => Task.FromResult(true);

        public bool TryPickPeer(string key, [NotNullWhen(true)] out IPeerClient? peer)
        {
            peer = this;
            return true;
        }

        public IReadOnlyList<IPeerClient> GetAllPeers() => [this];
    }

    private sealed class CopyAll : Random
    {
        public override int Next(int maxValue) => 0;
    }

    private sealed class NoGetter : IGetter
    {
        public ValueTask<ByteView> GetAsync(string key, CancellationToken cancellationToken) => throw new InvalidOperationException("the owner answers every key");
    }

    [Fact]
    public async Task OnRejoined_TheOwnerStillServesItsOldValue_NoCopyOfItOutlivesTheOwnersFlush()
    {
        var owner = new Owner();
        var group = new Group("g", 1 << 20, new NoGetter(), owner, new GroupOptions { Random = new CopyAll() });
        var stats = new InvalidationStats();
        var flush = new RejoinFlush(group, stats, new HotCopyHold(group, stats, () => TimeSpan.FromMinutes(1)), NullLogger<RejoinFlush>.Instance);
        await group.GetAsync(Key); // a hot copy from before the partition

        flush.OnRejoined(["http://127.0.0.1:9"]);
        string duringTheWindow = (await group.GetAsync(Key)).ToString(); // the owner has not flushed yet
        owner.Value = "new"; // now it has

        Assert.Equal("old", duringTheWindow);
        Assert.Equal("new", (await group.GetAsync(Key)).ToString());
        Assert.Equal(1, stats.RejoinFlushes);
        Assert.Equal(1, stats.HotCopyHolds);
    }
}
