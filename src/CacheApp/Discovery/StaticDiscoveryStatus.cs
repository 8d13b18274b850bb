using GroupCache.Http;

namespace CacheApp.Discovery;

/// <summary>
/// DISCOVERY=static: the fixed ring GROUPCACHE_PEERS, reported like the other modes so that the
/// admin API reads one shape. It never refreshes and never fails.
/// </summary>
internal sealed class StaticDiscoveryStatus(IReadOnlyList<string> peers, DateTimeOffset since) : IDiscoveryStatus
{
    public DiscoverySnapshot Snapshot { get; } = new("static", since, null, null, 1, 0, [.. peers.Order(StringComparer.Ordinal)]);
}
