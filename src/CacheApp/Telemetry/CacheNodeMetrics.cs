using System.Diagnostics.Metrics;
using CacheApp.Api;
using CacheApp.Cluster;
using CacheApp.Configuration;
using CacheApp.Freshness;
using CacheApp.Source;
using GroupCache.Http;

namespace CacheApp.Telemetry;

/// <summary>
/// The <c>CacheApp</c> meter: membership (members by state, ring size, gossip sent), discovery
/// (answers used and failed attempts, whatever the mode) and freshness (invalidations sent,
/// received, failed), each observed from the counters the node keeps for its admin pages, so
/// nothing is counted twice and the metrics say what /api/admin/peers says.
/// </summary>
internal sealed class CacheNodeMetrics
{
    public const string MeterName = "CacheApp";

    public CacheNodeMetrics(IMeterFactory meterFactory, IServiceProvider services, CacheAppSettings settings, HttpPool pool, InvalidationStats invalidations, SourceHealth source)
    {
        var meter = meterFactory.Create(new MeterOptions(MeterName));
        var table = services.GetService<MemberTable>();
        var cluster = services.GetService<ClusterClient>();
        var discovery = services.GetService<IDiscoveryStatus>();

        meter.CreateObservableGauge("cacheapp.members", () => Members(table, discovery, settings), "{member}", "Members this node knows, by state (alive, suspect, dead, left with gossip; static, dns or kubernetes: the peers that mode last gave).");
        meter.CreateObservableGauge("cacheapp.ring.size", () => pool.Peers.Count, "{member}", "Nodes on this node's consistent-hash ring, itself included.");
        var stats = cluster?.Stats;
        meter.CreateObservableCounter("cacheapp.gossip.messages", () => stats?.MessagesSent ?? 0, "{message}", "Membership messages sent (requests and answers).");
        meter.CreateObservableCounter("cacheapp.gossip.bytes", () => stats?.BytesSent ?? 0, "By", "Bytes of the membership messages sent.");
        meter.CreateObservableCounter("cacheapp.gossip.messages.received", () => stats?.MessagesReceived ?? 0, "{message}", "Membership messages received (requests and answers).");
        meter.CreateObservableCounter("cacheapp.gossip.bytes.received", () => stats?.BytesReceived ?? 0, "By", "Bytes of the membership messages received.");
        meter.CreateObservableCounter("cacheapp.membership.probes", () => stats?.Probes ?? 0, "{probe}", "Direct probes (pings) started.");
        meter.CreateObservableCounter("cacheapp.membership.indirect_probes", () => stats?.IndirectProbes ?? 0, "{probe}", "Indirect probes (ping-req) asked of other members.");
        meter.CreateObservableCounter("cacheapp.membership.suspicions", () => stats?.Suspicions ?? 0, "{suspicion}", "Members suspected after an unanswered probe.");
        meter.CreateObservableCounter("cacheapp.membership.refutations", () => stats?.Refutations ?? 0, "{refutation}", "Suspicions of this node it refuted.");
        if (discovery is not null)
        {
            var mode = new KeyValuePair<string, object?>("mode", settings.DiscoveryName);
            meter.CreateObservableCounter("cacheapp.discovery.refreshes", () => new Measurement<long>(discovery.Snapshot.Refreshes, mode), "{answer}", "Answers of the peer source used since start (DNS answers, Kubernetes list or watch events, gossip ring changes).");
            meter.CreateObservableCounter("cacheapp.discovery.failures", () => new Measurement<long>(discovery.Snapshot.Failures, mode), "{attempt}", "Failed discovery attempts since start; each kept the last good ring.");
        }

        meter.CreateObservableCounter("cacheapp.invalidations.sent", () => invalidations.Sent, "{member}", "Other members asked to forget a key (one per member and invalidation; each is sent a second DELETE when it confirmed the first).");
        meter.CreateObservableCounter("cacheapp.invalidations.failed", () => invalidations.Failed, "{member}", "Members asked to forget a key that did not confirm (unreached, or a member that cannot forget keys).");
        meter.CreateObservableCounter("cacheapp.invalidations.received", () => invalidations.Received, "{request}", "Peer-protocol DELETEs received and applied.");
        meter.CreateObservableGauge("cacheapp.source.up", () => source.Last.Healthy == true ? 1 : 0, "1", "1 when the source's last health check succeeded.");
    }

    private static IEnumerable<Measurement<int>> Members(MemberTable? table, IDiscoveryStatus? discovery, CacheAppSettings settings)
    {
        if (table is null)
        {
            // No gossip: the members are the peer set the mode last gave, labelled with the mode,
            // as /api/admin/peers lists them.
            return [new Measurement<int>(AdminEndpoints.PeersWithoutGossip(settings, discovery).Count, new KeyValuePair<string, object?>("state", settings.DiscoveryName))];
        }

        var view = table.View();
        return [.. Enum.GetValues<MemberState>().Select(state =>
            new Measurement<int>(view.Count(m => m.State == state), new KeyValuePair<string, object?>("state", AdminEndpoints.StateName(state))))];
    }
}
