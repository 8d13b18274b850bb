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
/// latest set matters, so a set that the pool has not taken yet is replaced by a newer one.
/// </summary>
public sealed class GossipPeerSource : IPeerRing, IPeerSource
{
    private readonly Channel<IReadOnlyCollection<string>> _sets = Channel.CreateBounded<IReadOnlyCollection<string>>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void SetPeers(IEnumerable<string> peers) => _sets.Writer.TryWrite([.. peers]);

    public IAsyncEnumerable<IReadOnlyCollection<string>> WatchAsync(CancellationToken cancellationToken) =>
        _sets.Reader.ReadAllAsync(cancellationToken);
}
