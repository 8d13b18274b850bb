using System.Runtime;
using System.Runtime.CompilerServices;
using CacheApp.Cluster;
using CacheApp.Configuration;
using CacheApp.Discovery;
using CacheApp.Freshness;
using CacheApp.Source;
using CacheApp.Telemetry;
using GroupCache;
using GroupCache.Http;
using Microsoft.AspNetCore.Mvc;

namespace CacheApp.Api;

/// <summary>GET /api/admin/status, GET /api/admin/peers and GET /health.</summary>
internal static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", (NodeInfo node) =>
            TypedResults.Json(new HealthResponse("ok", node.Settings.NodeName), CacheAppJsonContext.Default.HealthResponse));
        app.MapGet("/api/admin/status", (NodeInfo node, Group group, HttpPool pool, SourceHealth source, InvalidationStats invalidations, GcPauseWatch gcPauses, [FromServices] MembershipService? membership) =>
            TypedResults.Json(Status(node, group, pool, source, invalidations, gcPauses, membership?.Stats), CacheAppJsonContext.Default.StatusResponse));
        // The member table is registered only when discovery is on: without it the parameter is null
        // ([FromServices], or a missing service would be taken for a body).
        app.MapGet("/api/admin/peers", (NodeInfo node, HttpPool pool, [FromServices] MemberTable? table, [FromServices] IDiscoveryStatus? discovery) =>
            TypedResults.Json(Peers(node, pool, table, discovery), CacheAppJsonContext.Default.PeersResponse));
        return app;
    }

    internal static StatusResponse Status(NodeInfo node, Group group, HttpPool pool, SourceHealth source, InvalidationStats invalidations, GcPauseWatch gcPauses, MembershipStats? membership)
    {
        var main = group.GetCacheStats(CacheType.Main);
        var hot = group.GetCacheStats(CacheType.Hot);
        var s = node.Settings;
        var st = group.Stats;
        var ring = pool.Peers;
        var health = source.Last;
        var longestPause = gcPauses.LongestLastTenSeconds();
        return new StatusResponse(
            s.NodeName,
            s.SelfApiAddr,
            s.SelfGroupCacheAddr,
            node.Version,
            node.StartedAt,
            Math.Round(node.Uptime.TotalSeconds, 3),
            new GroupStatus(
                group.Name,
                group.CacheBytes,
                group.Ttl.TotalSeconds,
                new StatsDto(st.Gets, st.CacheHits, st.PeerLoads, st.PeerErrors, st.Loads, st.LoadsDeduped, st.LocalLoads, st.LocalLoadErrs, st.ServerRequests),
                Cache(main),
                Cache(hot)),
            new RingStatus(s.DiscoveryName, ring.Count, ring),
            new SourceStatus(s.SourceUrl, health.Healthy, health.CheckedAt, health.Error),
            new ProcessStatus(
                Environment.ProcessId,
                Environment.WorkingSet,
                GC.GetTotalMemory(forceFullCollection: false),
                GC.GetTotalAllocatedBytes(),
                GC.CollectionCount(0),
                GC.CollectionCount(1),
                GC.CollectionCount(2),
                GC.GetTotalPauseDuration().TotalMilliseconds,
                longestPause.Ms,
                longestPause.Generation,
                Gen0Budget.AppliedMaxBytes(),
                GCSettings.IsServerGC,
                !RuntimeFeature.IsDynamicCodeSupported),
            new FreshnessStatus(
                group.Ttl.TotalSeconds,
                main.Expirations + hot.Expirations,
                invalidations.Writes,
                invalidations.Requested,
                invalidations.Sent,
                invalidations.Failed,
                invalidations.Received,
                invalidations.RejoinFlushes,
                invalidations.RejoinFlushedEntries,
                invalidations.HotCopyHolds),
            new SecurityStatus(!string.IsNullOrEmpty(s.ClusterSecret)),
            membership is null ? null : new MembershipStatus(
                membership.MessagesSent,
                membership.BytesSent,
                membership.MessagesReceived,
                membership.BytesReceived,
                membership.Probes,
                membership.IndirectProbes,
                membership.Suspicions,
                membership.Refutations));
    }

    private static CacheDto Cache(CacheStats c) => new(c.Items, c.Bytes, c.Gets, c.Hits, c.Evictions, c.Expirations);

    private static PeersResponse Peers(NodeInfo node, HttpPool pool, MemberTable? table, IDiscoveryStatus? discovery)
    {
        var s = node.Settings;
        var ring = pool.Peers;
        var inRing = ring.ToHashSet(StringComparer.Ordinal);
        var status = discovery?.Snapshot;

        // Without gossip's member table the members are the peer source's last set (static: GROUPCACHE_PEERS).
        IReadOnlyList<PeerDto> members = table is null
            ? [.. PeersWithoutGossip(s, discovery).Select(p => new PeerDto(p == s.SelfGroupCacheAddr ? s.SelfApiAddr : DiscoveredApiAddress.Of(s, p), p, s.DiscoveryName, null, 0, 0, p == s.SelfGroupCacheAddr, inRing.Contains(p)))]
            : [.. table.View().Select(m => new PeerDto(
                m.ApiAddr, m.GroupCacheAddr, StateName(m.State), m.LastSeen, m.Incarnation, m.Heartbeat, m.IsSelf, inRing.Contains(m.GroupCacheAddr)))];
        return new PeersResponse(s.SelfGroupCacheAddr, s.DiscoveryName, ring, members, status);
    }

    /// <summary>The members when there is no gossip: GROUPCACHE_PEERS, or the peer set DNS or Kubernetes last gave.</summary>
    internal static IReadOnlyList<string> PeersWithoutGossip(CacheAppSettings settings, IDiscoveryStatus? discovery) =>
        settings.StaticPeers ?? discovery?.Snapshot.Peers ?? [];

    internal static string StateName(MemberState state) => state switch
    {
        MemberState.Alive => "alive",
        MemberState.Suspect => "suspect",
        MemberState.Dead => "dead",
        _ => "left",
    };
}
