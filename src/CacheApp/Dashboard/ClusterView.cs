using CacheApp.Api;
using CacheApp.Cluster;
using CacheApp.Discovery;
using CacheApp.Freshness;
using CacheApp.Source;
using CacheApp.Telemetry;
using GroupCache;
using GroupCache.Http;

namespace CacheApp.Dashboard;

/// <summary>
/// Builds GET /api/admin/cluster: the members this node knows (the member table with gossip, the
/// peer source's last set without: static peers, DNS records, Kubernetes endpoints), each with its ring share and its own status, fetched in parallel.
/// </summary>
/// <remarks>
/// Answers are shared for a moment: every open dashboard polls once a second, and without this
/// each tab would cost every member a status request per second. Concurrent callers share one
/// collection in flight.
/// </remarks>
internal sealed class ClusterView(
    NodeInfo node,
    Group group,
    HttpPool pool,
    SourceHealth source,
    InvalidationStats invalidations,
    MemberStatusClient client,
    TimeProvider time,
    IServiceProvider services)
{
    private static readonly TimeSpan ShareFor = TimeSpan.FromMilliseconds(500);

    private readonly Lock _lock = new();
    private Task<ClusterResponse>? _latest;
    private DateTimeOffset _latestAt;

    public Task<ClusterResponse> GetAsync()
    {
        lock (_lock)
        {
            // A negative age is a wall clock stepped back: shared until it caught up, the view
            // stood still for as long as the step.
            var now = time.GetUtcNow();
            var age = now - _latestAt;
            if (_latest is not null && (!_latest.IsCompleted || (age >= TimeSpan.Zero && age < ShareFor)))
            {
                return _latest;
            }

            _latestAt = now;
            _latest = CollectAsync();
            return _latest;
        }
    }

    private async Task<ClusterResponse> CollectAsync()
    {
        var settings = node.Settings;
        var ring = pool.Peers;
        var shares = RingShares.Of(ring, pool.Options.Replicas);
        var members = Members(settings, ring);

        // The answer must not depend on one caller's request: a tab that closes does not cancel the
        // collection that other tabs share. The client's deadline bounds it.
        var fetches = members.Select(async m =>
        {
            double share = shares.TryGetValue(m.GroupCacheAddr, out double s) ? s : 0;
            if (m.IsSelf)
            {
                var self = AdminEndpoints.Status(node, group, pool, source, invalidations, services.GetRequiredService<GcPauseWatch>(), services.GetService<MembershipService>()?.Stats);
                return new ClusterMemberDto(settings.SelfApiAddr, m.GroupCacheAddr, m.State, true, m.InRing, share, true, null, 0, self);
            }

            if (m.ApiAddr is null)
            {
                return new ClusterMemberDto(null, m.GroupCacheAddr, m.State, false, m.InRing, share, false, "API address not known (not in a member table)", 0, null);
            }

            var (status, error, ms) = await client.FetchAsync(m.ApiAddr, CancellationToken.None);
            return new ClusterMemberDto(m.ApiAddr, m.GroupCacheAddr, m.State, false, m.InRing, share, status is not null, error, Math.Round(ms, 1), status);
        });
        var answered = await Task.WhenAll(fetches);

        var discovery = services.GetService<IDiscoveryStatus>()?.Snapshot;
        return new ClusterResponse(
            settings.SelfApiAddr,
            settings.NodeName,
            time.GetUtcNow(),
            discovery?.Mode ?? (settings.DiscoveryEnabled ? "gossip" : "static"),
            pool.Options.Replicas,
            ring,
            discovery is null ? null : new DiscoveryDto(discovery.Mode, discovery.LastRefresh, discovery.LastError, discovery.LastErrorAt, discovery.Refreshes, discovery.Failures),
            answered);
    }

    /// <summary>The member table's rows, or the peer source's last set; then any ring member neither names.</summary>
    private List<Member> Members(Configuration.CacheAppSettings settings, IReadOnlyList<string> ring)
    {
        var inRing = ring.ToHashSet(StringComparer.Ordinal);
        var table = services.GetService<MemberTable>();
        List<Member> members = table is null
            ? [.. AdminEndpoints.PeersWithoutGossip(settings, services.GetService<IDiscoveryStatus>()).Select(p => p == settings.SelfGroupCacheAddr
                ? new Member(settings.SelfApiAddr, p, settings.DiscoveryName, true, inRing.Contains(p))
                : new Member(DiscoveredApiAddress.Of(settings, p), p, settings.DiscoveryName, false, inRing.Contains(p)))]
            : [.. table.View().Select(m => new Member(m.ApiAddr, m.GroupCacheAddr, AdminEndpoints.StateName(m.State), m.IsSelf, inRing.Contains(m.GroupCacheAddr)))];

        if (!members.Any(m => m.IsSelf))
        {
            members.Insert(0, new Member(settings.SelfApiAddr, settings.SelfGroupCacheAddr, "alive", true, inRing.Contains(settings.SelfGroupCacheAddr)));
        }

        var named = members.Select(m => m.GroupCacheAddr).ToHashSet(StringComparer.Ordinal);
        foreach (string peer in ring.Where(p => !named.Contains(p)))
        {
            // A ring from another discovery source (DNS, Kubernetes) names members the table does not.
            members.Add(new Member(null, peer, "ring", false, true));
        }

        return members;
    }

    private sealed record Member(string? ApiAddr, string GroupCacheAddr, string State, bool IsSelf, bool InRing);
}
