using CacheApp.Cluster;
using CacheApp.Configuration;
using GroupCache;

namespace CacheApp.Freshness;

/// <summary>
/// Stops the node copying peers' answers into its hot cache (<see cref="Group.HoldHotCopies"/>) for
/// as long as the cluster takes to settle, whenever a peer may still serve a value it kept while it
/// missed invalidations: after this node's own flush (<see cref="RejoinFlush"/>), because the
/// member that came back, or another one, may not have flushed yet; and, with DNS or Kubernetes
/// discovery, when the ring gains members, because a member discovery lists again flushes only when
/// its own discovery sees itself, which can come after the others route to it. (With gossip a
/// member that comes back with its old life makes every node that had dropped it flush, and hold;
/// one with a new life has an empty cache.) A copy made in that window would outlive the peer's
/// flush, and nothing would remove it.
/// </summary>
public sealed class HotCopyHold
{
    /// <summary>Kubernetes: watches see an endpoint change within moments; this covers a watch that is re-listing.</summary>
    internal static readonly TimeSpan KubernetesSettle = TimeSpan.FromSeconds(10);

    private readonly Group _group;
    private readonly InvalidationStats _stats;
    private readonly Func<TimeSpan> _settle;

    public HotCopyHold(Group group, InvalidationStats stats, CacheAppSettings settings, IServiceProvider services)
        : this(group, stats, SettleOf(settings, services))
    {
    }

    internal HotCopyHold(Group group, InvalidationStats stats, Func<TimeSpan> settle)
    {
        _group = group;
        _stats = stats;
        _settle = settle;
    }

    public void Hold()
    {
        _group.HoldHotCopies(_settle());
        _stats.OnHotCopyHold();
    }

    /// <summary>
    /// The time until every member has caught up, by discovery mode, plus one peer timeout for an
    /// answer already on its way: gossip, the protocol's settle time (it grows with the cluster);
    /// DNS, two polls (each node polls on its own); Kubernetes, <see cref="KubernetesSettle"/>.
    /// A static ring never changes.
    /// </summary>
    private static Func<TimeSpan> SettleOf(CacheAppSettings settings, IServiceProvider services)
    {
        TimeSpan answer = settings.PeerTimeout;
        return settings.Discovery switch
        {
            DiscoveryMode.Gossip when services.GetService<MemberTable>() is { } table => () => table.SettleTime + answer,
            DiscoveryMode.Dns => () => (settings.DnsInterval * 2) + answer,
            DiscoveryMode.Kubernetes => () => KubernetesSettle + answer,
            _ => () => answer,
        };
    }
}
