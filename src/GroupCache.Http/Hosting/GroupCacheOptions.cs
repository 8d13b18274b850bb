namespace GroupCache.Http;

/// <summary>
/// The settings of <c>AddGroupCache</c>, bound from the <see cref="SectionName"/> configuration
/// section and validated when the host starts (a bad value stops it, naming the setting).
/// </summary>
public sealed class GroupCacheOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "GroupCache";

    /// <summary>This node's base URL as its peers reach it, like <c>http://127.0.0.1:5000</c>. Required.</summary>
    public string? Self { get; set; }

    /// <summary>
    /// The ring's members, this node included (like groupcache, a node is on the ring only when the
    /// list names it). Empty: this node loads every key itself until a peer source or
    /// <see cref="HttpPool.SetPeers"/> gives it peers.
    /// </summary>
    public IList<string> Peers { get; } = [];

    /// <summary>Where peer requests are served; must start and end with '/'.</summary>
    public string BasePath { get; set; } = HttpPoolOptions.DefaultBasePath;

    /// <summary>Points per peer on the consistent-hash ring, 1 to <see cref="HttpPoolOptions.MaxReplicas"/>; every node must use the same number.</summary>
    public int Replicas { get; set; } = HttpPoolOptions.DefaultReplicas;

    /// <summary>The longest a peer request may take before it counts as a peer error.</summary>
    public TimeSpan PeerTimeout { get; set; } = new HttpPoolOptions().PeerTimeout;

    /// <summary>Peer answers carrying a larger value are peer errors.</summary>
    public long MaxValueBytes { get; set; } = new HttpPoolOptions().MaxValueBytes;

    /// <summary>
    /// When set, peers must send it in <c>X-GroupCache-Secret</c> or get 401 (Go nodes cannot send
    /// it). Printable ASCII, neither starting nor ending with a space.
    /// </summary>
    public string? ClusterSecret { get; set; }

    /// <summary>
    /// A port of its own for the peer protocol (groupcache's layout: an API port and a peer port).
    /// When set, <c>MapGroupCache</c> answers peers only on connections to this port, and every
    /// other request to it with 404; the app must listen on it. Null: peers are served on every
    /// port the app listens on, under <see cref="BasePath"/>.
    /// </summary>
    public int? PeerPort { get; set; }

    /// <summary>
    /// The local IP address this node's connections to peers start from, for a node bound to one
    /// address of several on a host; null (the default) lets the system choose. Checked at start by
    /// binding a socket to it (nothing is sent): an address this host does not have stops it.
    /// </summary>
    public string? LocalAddress { get; set; }

    /// <summary>
    /// Settings of groups registered with <c>AddGroup</c>, by group name: configuration overrides
    /// the cache size given in code and sets the TTL.
    /// </summary>
    public IDictionary<string, GroupCacheGroupOptions> Groups { get; } = new Dictionary<string, GroupCacheGroupOptions>(StringComparer.Ordinal);

    /// <summary>The pool's share of these options.</summary>
    internal HttpPoolOptions ToPoolOptions() => new()
    {
        BasePath = BasePath,
        Replicas = Replicas,
        PeerTimeout = PeerTimeout,
        MaxValueBytes = MaxValueBytes,
        ClusterSecret = ClusterSecret,
        LocalAddress = System.Net.IPAddress.TryParse(LocalAddress, out var local) ? local : null,
    };
}

/// <summary>The configurable settings of one group (<c>GroupCache:Groups:{name}</c>).</summary>
public sealed class GroupCacheGroupOptions
{
    /// <summary>The main and hot caches' byte budget; null keeps the size given to <c>AddGroup</c>.</summary>
    public long? CacheBytes { get; set; }

    /// <summary>How long a loaded value lives; null or zero is forever. At most <see cref="GroupOptions.MaxTtl"/>.</summary>
    public TimeSpan? Ttl { get; set; }
}
