using System.Threading.Channels;
using GroupCache.Http;

namespace CacheApp.Cluster;

/// <summary>Where membership puts the ring it computes: the node's peer source, or a fake in tests.</summary>
public interface IPeerRing
{
    /// <summary>Replaces the ring's members; a swap that requests in flight never see half done.</summary>
    void SetPeers(IEnumerable<string> peers);
}

/// <summary>
/// The ring of a real node: gossip's member sets, passed to GroupCache as its peer source. Only the
/// latest set matters, so a set that the pool has not taken yet is replaced by a newer one. Its
/// status (mode "gossip") is the last set membership computed and when.
/// </summary>
public sealed class GossipPeerSource(TimeProvider time) : IPeerRing, IPeerSource, IDiscoveryStatus
{
    private readonly Channel<IReadOnlyCollection<string>> _sets = Channel.CreateBounded<IReadOnlyCollection<string>>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private DiscoverySnapshot _snapshot = new("gossip", null, null, null, 0, 0, []);

    public DiscoverySnapshot Snapshot => Volatile.Read(ref _snapshot);

    public void SetPeers(IEnumerable<string> peers)
    {
        string[] set = [.. peers];
        _sets.Writer.TryWrite(set);

        // Membership calls this from its one loop; the snapshot is replaced whole, so readers never see half of it.
        var last = Volatile.Read(ref _snapshot);
        Volatile.Write(ref _snapshot, last with
        {
            LastRefresh = time.GetUtcNow(),
            Refreshes = last.Refreshes + 1,
            Peers = [.. set.Order(StringComparer.Ordinal)],
        });
    }

    public IAsyncEnumerable<IReadOnlyCollection<string>> WatchAsync(CancellationToken cancellationToken) =>
        _sets.Reader.ReadAllAsync(cancellationToken);
}
