namespace CacheApp.Configuration;

/// <summary>A cache node's settings, read once from the environment at start (see <see cref="SettingsLoader"/>).</summary>
public sealed record CacheAppSettings
{
    public const int DefaultApiPort = 8080;
    public const int DefaultGroupCachePort = 8081;
    public const int DefaultSourcePort = 8086;
    public const string DefaultGroupName = "data";
    public const long DefaultCacheBytes = 64L << 20;
    public const long DefaultMaxValueBytes = 64L << 20;
    public static readonly TimeSpan DefaultSourceTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultSourceHealthInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan DefaultGossipInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultMemberDeadAfter = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan DefaultMemberForgetAfter = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan DefaultDnsInterval = TimeSpan.FromSeconds(5);

    /// <summary>Membership messages listing more members than this are refused (INITIAL_PEERS too).</summary>
    public const int MaxMembers = 256;

    /// <summary>The most members a node's table holds (it bounds memory; messages are paged below <see cref="MaxMembers"/>).</summary>
    public const int MaxClusterMembers = 1024;

    public int ApiPort { get; init; } = DefaultApiPort;

    public int GroupCachePort { get; init; } = DefaultGroupCachePort;

    /// <summary>The host other nodes reach this one at (SELF_HOST, else the detected internal IP).</summary>
    public required string SelfHost { get; init; }

    /// <summary>This node's API base URL, normalised (<c>http://host:port</c>).</summary>
    public required string SelfApiAddr { get; init; }

    /// <summary>This node's groupcache base URL, normalised: its name on the ring.</summary>
    public required string SelfGroupCacheAddr { get; init; }

    /// <summary>API addresses this node announces itself to at start.</summary>
    public IReadOnlyList<string> InitialPeers { get; init; } = [];

    /// <summary>The source service's base URL, without a trailing slash.</summary>
    public required string SourceUrl { get; init; }

    public string GroupName { get; init; } = DefaultGroupName;

    public long CacheBytes { get; init; } = DefaultCacheBytes;

    /// <summary>A fixed ring (GROUPCACHE_PEERS): discovery is off when set.</summary>
    public IReadOnlyList<string>? StaticPeers { get; init; }

    /// <summary>The address to listen on; null for all interfaces.</summary>
    public string? BindHost { get; init; }

    /// <summary>
    /// The local address every outgoing connection (to peers, to other members' API, to the source)
    /// starts from (OUTGOING_BIND_HOST); null lets the system choose. Nodes sharing one host on
    /// different loopback addresses use it to be told apart by the address they connect from.
    /// </summary>
    public System.Net.IPAddress? OutgoingBindAddress { get; init; }

    public required string NodeName { get; init; }

    public TimeSpan SourceTimeout { get; init; } = DefaultSourceTimeout;

    public TimeSpan SourceHealthInterval { get; init; } = DefaultSourceHealthInterval;

    /// <summary>How long a peer request may take before the key is loaded locally.</summary>
    public TimeSpan PeerTimeout { get; init; } = DefaultSourceTimeout + TimeSpan.FromSeconds(1);

    /// <summary>How long a cached value lives; zero is forever, as in groupcache.</summary>
    public TimeSpan CacheTtl { get; init; } = TimeSpan.Zero;

    public TimeSpan GossipInterval { get; init; } = DefaultGossipInterval;

    /// <summary>A member not heard of for this long is taken out of the ring.</summary>
    public TimeSpan MemberDeadAfter { get; init; } = DefaultMemberDeadAfter;

    /// <summary>Dead and departed members are forgotten after this long.</summary>
    public TimeSpan MemberForgetAfter { get; init; } = DefaultMemberForgetAfter;

    /// <summary>
    /// A shared secret (CLUSTER_SECRET or CLUSTER_SECRET_FILE) for the peer protocol, the cluster
    /// endpoints and DELETE /api/data/{key}; null when off.
    /// </summary>
    public string? ClusterSecret { get; init; }

    /// <summary>A peer answer carrying a larger value is a peer error, so a broken peer cannot exhaust memory.</summary>
    public long MaxValueBytes { get; init; } = DefaultMaxValueBytes;

    /// <summary>Where the ring comes from (DISCOVERY): gossip, static, dns or kubernetes.</summary>
    public DiscoveryMode Discovery { get; init; } = DiscoveryMode.Gossip;

    /// <summary>The discovery mode as DISCOVERY spells it, for the admin API and logs.</summary>
    public string DiscoveryName => Discovery.ToString().ToLowerInvariant();

    /// <summary>True when gossip membership runs (DISCOVERY=gossip): the member table, join and gossip endpoints.</summary>
    public bool DiscoveryEnabled => Discovery == DiscoveryMode.Gossip;

    /// <summary>DISCOVERY=dns: the name whose A/AAAA (or <c>_groupcache._tcp.</c> SRV) records list the nodes.</summary>
    public string? DnsName { get; init; }

    /// <summary>DISCOVERY=dns: how often DNS_NAME is resolved (sooner when the records' TTL is shorter).</summary>
    public TimeSpan DnsInterval { get; init; } = DefaultDnsInterval;

    /// <summary>DISCOVERY=dns: the DNS server to ask (DNS_SERVER), instead of the system's resolver configuration.</summary>
    public System.Net.IPEndPoint? DnsServer { get; init; }

    /// <summary>DISCOVERY=kubernetes: the service whose ready endpoints are the ring (K8S_SERVICE).</summary>
    public string? KubernetesService { get; init; }

    /// <summary>DISCOVERY=kubernetes: the service's namespace (K8S_NAMESPACE); null for the pod's own.</summary>
    public string? KubernetesNamespace { get; init; }

    /// <summary>DISCOVERY=kubernetes: the name of the service's groupcache port (K8S_PORT_NAME); null for the default, <c>groupcache</c>.</summary>
    public string? KubernetesPortName { get; init; }
}
