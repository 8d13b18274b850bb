using CacheApp.Configuration;
using GroupCache.Http;

namespace CacheApp.Discovery;

/// <summary>
/// DISCOVERY=dns or kubernetes: whether the peer source has answered at least once, and the ring
/// serves what it answered. Before that the ring is this node alone because nothing told it of
/// others (a Kubernetes list refused by RBAC, a DNS name nobody serves), not because it is alone:
/// an invalidation over that ring reaches this node only, and must not be confirmed as the
/// cluster's. Gossip and a static ring know their members from the start: always answered.
/// </summary>
internal sealed class FirstDiscoveryAnswer(CacheAppSettings settings, IDiscoveryStatus status, HttpPool pool)
{
    private readonly bool _waits = settings.Discovery is DiscoveryMode.Dns or DiscoveryMode.Kubernetes;
    private volatile bool _answered;

    /// <summary>Whether this node's discovery can leave it without peers it does not know of (DNS, Kubernetes).</summary>
    public bool Applies => _waits;

    /// <summary>
    /// Null once discovery answered and the ring took that answer (from then on for good: a later
    /// outage keeps the last good ring, which is a real one); until then, why this node cannot speak
    /// for the cluster.
    /// </summary>
    /// <param name="withCause">
    /// Whether to name the last error or empty answer: readiness does, for the operator; an API
    /// client is told only that discovery has not answered (the cause may name the API server's or
    /// DNS server's answer, and a write-through PUT is refused before any authentication).
    /// </param>
    public string? NotYet(bool withCause = true)
    {
        if (!_waits || _answered)
        {
            return null;
        }

        var snapshot = status.Snapshot;

        // The source records its answer a moment before the pool takes the set it yields: until the
        // pool has it too, an invalidation would still go to this node alone.
        // Compared as sets of normalized addresses: the pool normalizes what it takes, a source
        // may not have, and a difference of form alone must not keep the gate shut for good.
        if (snapshot.LastRefresh is not null && snapshot.EmptyAnswer is null && SamePeers(pool.Peers, snapshot.Peers))
        {
            _answered = true;
            return null;
        }

        string what = settings.Discovery == DiscoveryMode.Dns
            ? $"DNS discovery of {settings.DnsName}"
            : $"Kubernetes discovery of service {settings.KubernetesService}";
        string why = !withCause ? ""
            : snapshot.LastError is { } error ? $" (last error: {error})"
            : snapshot.EmptyAnswer is { } empty ? $" (its answer lists nobody: {empty})"
            : snapshot.LastRefresh is null ? "" : " (its answer is not on the ring yet)";
        return $"{what} has not answered yet{why}: this node knows no peers, so it cannot invalidate the cluster";
    }

    private static bool SamePeers(IReadOnlyList<string> ring, IReadOnlyList<string> answered)
    {
        var normalized = new HashSet<string>(StringComparer.Ordinal);
        foreach (string peer in answered)
        {
            normalized.Add(PeerAddress.TryNormalize(peer, out string canonical, out _) ? canonical : peer);
        }

        return normalized.SetEquals(ring);
    }
}
