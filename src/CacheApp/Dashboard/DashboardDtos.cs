using CacheApp.Api;

namespace CacheApp.Dashboard;

/// <summary>
/// GET /api/admin/cluster: the cluster as the node that answers sees it, with every member's own
/// status fetched from it just now. Built for the dashboard; carries no secret.
/// </summary>
/// <param name="Self">This node's API address.</param>
/// <param name="Discovery">static, gossip (or what a discovery source calls itself).</param>
/// <param name="Replicas">Points each member has on the ring.</param>
/// <param name="Ring">The ring's members (groupcache addresses), sorted.</param>
/// <param name="DiscoveryStatus">The peer source's own account, when it gives one.</param>
public sealed record ClusterResponse(
    string Self,
    string Node,
    DateTimeOffset GeneratedAt,
    string Discovery,
    int Replicas,
    IReadOnlyList<string> Ring,
    DiscoveryDto? DiscoveryStatus,
    IReadOnlyList<ClusterMemberDto> Members);

/// <summary>One member: the membership row as this node holds it, its ring share, and its own status.</summary>
/// <param name="State">alive, suspect, dead or left (gossip); static, dns or kubernetes (the peer source's last set); ring (on the ring, named by neither).</param>
/// <param name="RingShare">The fraction of the 2^32 hash space this member owns on this node's ring (0 when off the ring).</param>
/// <param name="Reachable">True when the member answered its /api/admin/status in time.</param>
/// <param name="Error">Why it did not: refused, timed out, a bad status; null when it answered.</param>
/// <param name="FetchMilliseconds">How long the fetch took.</param>
/// <param name="Status">The member's answer; null when unreachable.</param>
public sealed record ClusterMemberDto(
    string? ApiAddr,
    string GroupcacheAddr,
    string State,
    bool IsSelf,
    bool InRing,
    double RingShare,
    bool Reachable,
    string? Error,
    double FetchMilliseconds,
    StatusResponse? Status);

/// <summary>A peer source's account of its discovery (see GroupCache.Http.DiscoverySnapshot).</summary>
public sealed record DiscoveryDto(string Mode, DateTimeOffset? LastRefresh, string? LastError, DateTimeOffset? LastErrorAt, long Refreshes, long Failures);

/// <summary>GET /api/admin/owner?key=: the ring member that owns a key, as this node's ring says.</summary>
/// <param name="Owner">The owner's groupcache address; null when the ring is empty.</param>
/// <param name="OwnerApiAddr">Its API address when known: from the member table, or under dns and kubernetes discovery its address on the shared API_PORT.</param>
/// <param name="IsSelf">True when this node owns the key.</param>
public sealed record OwnerResponse(string Key, string? Owner, string? OwnerApiAddr, bool IsSelf);
