using GroupCache.Http;

namespace CacheApp.Cluster;

/// <summary>
/// Whether a request may act on the cluster (join, gossip, leave, a cluster-wide DELETE): with
/// <c>CLUSTER_SECRET</c> set, only with the secret in <see cref="PeerProtocolHeaders.Secret"/>;
/// without one, always (the seed's behaviour). One singleton, so that the secret is hashed once.
/// </summary>
internal sealed class ClusterSecretCheck(string? clusterSecret)
{
    private readonly SharedSecret? _secret = SharedSecret.From(clusterSecret);

    /// <summary>The JSON error a refused request gets.</summary>
    public static string Refusal => $"missing or wrong {PeerProtocolHeaders.Secret}";

    public bool Allows(HttpRequest request) => _secret is null || _secret.IsPresentedBy(request);
}
