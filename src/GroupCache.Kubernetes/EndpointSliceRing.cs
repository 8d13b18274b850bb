using System.Net;
using System.Net.Sockets;
using GroupCache.Http;
using k8s.Models;

namespace GroupCache.Kubernetes;

/// <summary>
/// The peers that a Service's EndpointSlices name, slice by slice, so that a watch event replaces
/// only its own slice. A peer is a ready endpoint's address with the port of the configured name.
/// </summary>
internal sealed class EndpointSliceRing(string self, PortChoice port, string scheme, int maxPeers)
{
    private readonly Dictionary<string, IReadOnlyList<string>> _bySlice = new(StringComparer.Ordinal);

    /// <summary>Set when the last <see cref="Peers"/> left endpoints out to stay within the limit.</summary>
    public int Truncated { get; private set; }

    /// <summary>Whether a ready endpoint of the slices is this node (as of the last <see cref="Peers"/>).</summary>
    public bool ListsSelf { get; private set; }

    public void Reset(IEnumerable<V1EndpointSlice> slices)
    {
        _bySlice.Clear();
        foreach (var slice in slices)
        {
            Upsert(slice);
        }
    }

    public void Upsert(V1EndpointSlice slice)
    {
        if (slice.Metadata?.Name is { } name)
        {
            _bySlice[name] = PeersOf(slice, port, scheme);
        }
    }

    public void Remove(V1EndpointSlice slice)
    {
        if (slice.Metadata?.Name is { } name)
        {
            _bySlice.Remove(name);
        }
    }

    /// <summary>This node and every ready endpoint, each once, in ordinal order.</summary>
    public IReadOnlyList<string> Peers()
    {
        ListsSelf = _bySlice.Values.Any(p => p.Contains(self, StringComparer.Ordinal));
        var others = _bySlice.Values.SelectMany(p => p).Where(p => p != self).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        Truncated = Math.Max(0, others.Count - (maxPeers - 1));
        var peers = others.Take(maxPeers - 1).ToList();
        peers.Add(self);
        peers.Sort(StringComparer.Ordinal);
        return peers;
    }

    /// <summary>
    /// The base URLs of a slice's ready endpoints on the chosen port. Ready as the API defines it:
    /// <c>conditions.ready</c>, where an absent value means ready. A slice without that port, or an
    /// address that is not an IP (FQDN slices), names no peer.
    /// </summary>
    public static IReadOnlyList<string> PeersOf(V1EndpointSlice slice, PortChoice choice, string scheme)
    {
        if (slice.AddressType is not ("IPv4" or "IPv6"))
        {
            return [];
        }

        int? port = slice.Ports?.FirstOrDefault(choice.Matches)?.Port;
        if (port is not (> 0 and <= 65535))
        {
            return [];
        }

        var peers = new List<string>();
        foreach (var endpoint in slice.Endpoints ?? [])
        {
            if (endpoint.Conditions?.Ready == false)
            {
                continue;
            }

            foreach (string address in endpoint.Addresses ?? [])
            {
                if (IPAddress.TryParse(address, out var ip))
                {
                    string host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
                    peers.Add(PeerAddress.Normalize($"{scheme}://{host}:{port}"));
                }
            }
        }

        return peers;
    }
}

/// <summary>Which of a slice's ports is the peer protocol's: by name, or else by number.</summary>
internal sealed record PortChoice(string? Name, int? Number)
{
    public static implicit operator PortChoice(string name) => new(name, null);

    public bool Matches(Discoveryv1EndpointPort port) =>
        Name is not null ? string.Equals(port.Name, Name, StringComparison.Ordinal) : port.Port == Number;
}
