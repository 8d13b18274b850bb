namespace CacheApp.Configuration;

/// <summary>Where a node's ring comes from (DISCOVERY).</summary>
public enum DiscoveryMode
{
    /// <summary>Gossip membership seeded by INITIAL_PEERS: the default without GROUPCACHE_PEERS.</summary>
    Gossip,

    /// <summary>A fixed ring, GROUPCACHE_PEERS: the default when it is set.</summary>
    Static,

    /// <summary>The A/AAAA or SRV records of DNS_NAME, polled every DNS_INTERVAL.</summary>
    Dns,

    /// <summary>The ready endpoints of the Kubernetes service K8S_SERVICE.</summary>
    Kubernetes,
}
