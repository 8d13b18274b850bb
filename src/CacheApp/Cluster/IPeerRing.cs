using GroupCache.Http;

namespace CacheApp.Cluster;

/// <summary>Where membership puts the ring it computes: the node's <see cref="HttpPool"/>, or a fake in tests.</summary>
public interface IPeerRing
{
    /// <summary>Replaces the ring's members; a swap that requests in flight never see half done.</summary>
    void SetPeers(IEnumerable<string> peers);
}

/// <summary>The ring of a real node.</summary>
public sealed class HttpPoolRing(HttpPool pool) : IPeerRing
{
    public void SetPeers(IEnumerable<string> peers) => pool.SetPeers(peers);
}
