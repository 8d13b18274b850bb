using GroupCache.ConsistentHash;

namespace CacheApp.Dashboard;

/// <summary>Each ring member's share of the hash space, from a ring built as the pool builds its own.</summary>
internal static class RingShares
{
    private const double HashSpace = 4294967296.0; // 2^32

    /// <summary>
    /// The fraction of the 2^32 key hashes each of <paramref name="peers"/> owns on a ring of
    /// <paramref name="replicas"/> points per peer (virtual nodes included); the fractions sum to 1.
    /// </summary>
    /// <remarks>
    /// The pool adds its peers sorted ordinally, which decides who wins a point collision, so the
    /// same is done here: the result is the pool's own ring, not an approximation of it.
    /// </remarks>
    public static IReadOnlyDictionary<string, double> Of(IEnumerable<string> peers, int replicas)
    {
        var ring = new HashRing(replicas);
        ring.Add([.. peers.Order(StringComparer.Ordinal)]);
        return ring.OwnedHashes().ToDictionary(p => p.Key, p => p.Value / HashSpace, StringComparer.Ordinal);
    }
}
