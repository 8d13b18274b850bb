using System.Net;

namespace GroupCache.Dns;

/// <summary>
/// What <see cref="DnsPeerSource"/> asks DNS, and how often. Set with
/// <c>AddDnsDiscovery(o => ...)</c>; checked when the host starts.
/// </summary>
public sealed class DnsDiscoveryOptions
{
    /// <summary>The default <see cref="Interval"/>: five seconds.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The name whose records list the ring's members, like
    /// <c>groupcache.default.svc.cluster.local</c> (a Kubernetes headless service). Required.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// How often the name is resolved again; sooner when the answer's TTL is shorter (but not more
    /// often than once a second, however short the TTL).
    /// </summary>
    public TimeSpan Interval { get; set; } = DefaultInterval;

    /// <summary>
    /// The service and protocol labels of the SRV name asked first: <c>{SrvService}.{Name}</c>. When
    /// SRV records answer, they give each peer's address and port; otherwise the A and AAAA records
    /// of <see cref="Name"/> give the addresses, with <see cref="Port"/>.
    /// </summary>
    public string SrvService { get; set; } = "_groupcache._tcp";

    /// <summary>
    /// The peers' port when A or AAAA records answer (every node listens on the same one, as pods
    /// of one deployment do); null takes the port of this node's own address (<c>GroupCache:Self</c>).
    /// </summary>
    public int? Port { get; set; }

    /// <summary>
    /// A DNS server to ask instead of the system's resolver configuration (tests, special setups);
    /// null uses the system's name servers.
    /// </summary>
    public IPEndPoint? Server { get; set; }

    /// <summary>How long one query may take before it counts as failed.</summary>
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
