using System.Text.Json.Serialization;

namespace CacheApp.Api;

/// <summary>GET /api/admin/status.</summary>
public sealed record StatusResponse(
    string Node,
    string ApiAddr,
    string GroupcacheAddr,
    string Version,
    DateTimeOffset StartedAt,
    double UptimeSeconds,
    GroupStatus Group,
    RingStatus Ring,
    SourceStatus Source,
    ProcessStatus Process,
    FreshnessStatus Freshness,
    SecurityStatus Security,
    MembershipStatus? Membership);

/// <summary>
/// SWIM membership's cumulative counters (null with a static ring): membership messages and their
/// JSON bytes, sent and received (answers included), probes started, indirect probes asked for,
/// members suspected and suspicions of this node refuted.
/// </summary>
public sealed record MembershipStatus(
    long MessagesSent,
    long BytesSent,
    long MessagesReceived,
    long BytesReceived,
    long Probes,
    long IndirectProbes,
    long Suspicions,
    long Refutations);

/// <summary>Whether this node checks a cluster secret on cluster messages, the peer protocol and DELETE /api/data/{key}.</summary>
public sealed record SecurityStatus(bool ClusterSecret);

/// <summary>
/// TTL and invalidation figures: expirations of the main and hot caches together; writes passed to
/// the source; invalidations this node coordinated, peer removals it sent, of those not confirmed,
/// and peer removals it received; flushes after a healed partition and the entries they dropped.
/// </summary>
public sealed record FreshnessStatus(
    double TtlSeconds,
    long Expirations,
    long Writes,
    long InvalidationsRequested,
    long InvalidationsSent,
    long InvalidationsFailed,
    long InvalidationsReceived,
    long RejoinFlushes,
    long RejoinFlushedEntries,
    long HotCopyHolds);

public sealed record GroupStatus(string Name, long CacheBytes, double TtlSeconds, StatsDto Stats, CacheDto MainCache, CacheDto HotCache);

/// <summary>Every groupcache counter, named as groupcache names them.</summary>
public sealed record StatsDto(
    long Gets,
    long CacheHits,
    long PeerLoads,
    long PeerErrors,
    long Loads,
    long LoadsDeduped,
    long LocalLoads,
    long LocalLoadErrs,
    long ServerRequests);

public sealed record CacheDto(long Items, long Bytes, long Gets, long Hits, long Evictions, long Expirations);

public sealed record RingStatus(string Discovery, int Size, IReadOnlyList<string> Members);

/// <summary>
/// The runtime's view of the process: enough to see memory and GC pressure without other tools.
/// GcPauseMilliseconds is the total since start; GcPauseMaxLast10sMilliseconds the longest pause of the
/// last ten seconds and GcPauseMaxLast10sGeneration the generation that collection collected (-1 when
/// none, or when the figure adds up several collections' pauses: see GcPauseWatch). Gen0MaxBudgetBytes: the largest young-generation
/// budget the runtime applies (raised by DOTNET_GCgen0size, see Gen0Budget). NativeAot: this is a
/// Native AOT executable (no JIT), not <c>dotnet CacheApp.dll</c>.
/// </summary>
public sealed record ProcessStatus(int Pid, long WorkingSetBytes, long GcHeapBytes, long AllocatedBytes, int Gen0Collections, int Gen1Collections, int Gen2Collections, double GcPauseMilliseconds, double GcPauseMaxLast10sMilliseconds, int GcPauseMaxLast10sGeneration, long Gen0MaxBudgetBytes, bool ServerGc, bool NativeAot);

public sealed record SourceStatus(string Url, bool? Healthy, DateTimeOffset? CheckedAt, string? Error);

/// <summary>GET /api/admin/peers.</summary>
/// <param name="Discovery">The mode: gossip, static, dns or kubernetes.</param>
/// <param name="DiscoveryStatus">The peer source's last refresh, last error, counts and peer set.</param>
public sealed record PeersResponse(string Self, string Discovery, IReadOnlyList<string> Ring, IReadOnlyList<PeerDto> Members, GroupCache.Http.DiscoverySnapshot? DiscoveryStatus);

/// <param name="State">alive, suspect, dead or left under gossip; otherwise the mode: "static" for a fixed ring (GROUPCACHE_PEERS), "dns", "kubernetes".</param>
public sealed record PeerDto(
    string? ApiAddr,
    string GroupcacheAddr,
    string State,
    DateTimeOffset? LastSeen,
    long Incarnation,
    long Heartbeat,
    bool IsSelf,
    bool InRing);

public sealed record HealthResponse(string Status, string Node);

public sealed record ErrorResponse(string Error);

/// <summary>
/// DELETE /api/data/{key}: how many ring members (this one included) confirmed they forgot the key,
/// which did not answer in time (<see cref="Unreached"/>), and which cannot forget keys at all
/// (<see cref="CannotForget"/>: golang/groupcache nodes); <see cref="Error"/> says why the answer is not
/// a success when some member was unreached.
/// </summary>
public sealed record RemoveResponse(
    string Key,
    int Confirmed,
    int RingSize,
    IReadOnlyList<string> Unreached,
    IReadOnlyList<string> CannotForget,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);
