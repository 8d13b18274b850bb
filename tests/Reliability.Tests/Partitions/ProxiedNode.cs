using System.Net;

namespace Reliability.Tests.Partitions;

/// <summary>
/// A cache node on a loopback address of its own, announcing its two proxies' addresses: every
/// connection another node opens to it goes through <see cref="ApiProxy"/> or <see cref="GcProxy"/>,
/// and every connection it opens starts from <see cref="Address"/> (OUTGOING_BIND_HOST).
/// </summary>
internal sealed class ProxiedNode(CacheNode node, IPAddress address, FaultProxy apiProxy, FaultProxy gcProxy) : IDisposable
{
    public CacheNode Node { get; } = node;

    /// <summary>The node's own address: it listens there and connects from there, so proxies tell its links apart by it.</summary>
    public IPAddress Address { get; } = address;

    /// <summary>In front of its API port: gossip, join and leave from the other nodes.</summary>
    public FaultProxy ApiProxy { get; } = apiProxy;

    /// <summary>In front of its groupcache port: peer fetches and removals from the other nodes.</summary>
    public FaultProxy GcProxy { get; } = gcProxy;

    public string Name => Node.Name;

    /// <summary>Its name on every ring (its groupcache proxy's address).</summary>
    public string RingName => GcProxy.Url;

    /// <summary>Its API as clients reach it directly, not through a proxy.</summary>
    public string ApiUrl => Node.ApiUrl;

    public void Dispose()
    {
        Node.Dispose();
        ApiProxy.Dispose();
        GcProxy.Dispose();
    }
}
