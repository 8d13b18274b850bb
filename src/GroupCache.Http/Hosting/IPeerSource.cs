namespace GroupCache.Http;

/// <summary>
/// Tells the node who its peers are, whenever that changes: gossip membership, DNS, Kubernetes
/// endpoints. Register one with <c>AddPeerSource</c>; the host watches it from start to stop and
/// gives each set it yields to <see cref="HttpPool.SetPeers"/>.
/// </summary>
public interface IPeerSource
{
    /// <summary>
    /// The ring's members (this node included, as base URLs), first as they are now and then each
    /// time they change, until <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    IAsyncEnumerable<IReadOnlyCollection<string>> WatchAsync(CancellationToken cancellationToken);
}
