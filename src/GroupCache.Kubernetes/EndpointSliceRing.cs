using System.Net;
using System.Net.Sockets;
using GroupCache.Http;
using k8s.Models;

namespace GroupCache.Kubernetes;

/// <summary>
/// The peers that a Service's EndpointSlices name, slice by slice, so that a watch event replaces
/// only its own slice. A peer is a ready endpoint's address with the port of the configured name
/// (or, for a slice without a port of that name, of the configured number).
/// </summary>
internal sealed class EndpointSliceRing(string self, PortChoice port, string scheme, int maxPeers)
{
    private readonly Dictionary<string, SlicePeers> _bySlice = new(StringComparer.Ordinal);

    /// <summary>Set when the last <see cref="Peers"/> left endpoints out to stay within the limit.</summary>
    public int Truncated { get; private set; }

    /// <summary>Whether a ready endpoint of the slices is this node (as of the last <see cref="Peers"/>).</summary>
    public bool ListsSelf { get; private set; }

    /// <summary>How many slices the ring holds: none means the Service has none at all (its placeholder included).</summary>
    public int SliceCount => _bySlice.Count;

    /// <summary>Slices with ready endpoints whose port was found by number, the name missing (as of the last <see cref="Peers"/>).</summary>
    public PortMismatch? PortByNumber { get; private set; }

    /// <summary>Slices with ready endpoints that name no peer for want of the port (as of the last <see cref="Peers"/>).</summary>
    public PortMismatch? PortNotFound { get; private set; }

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
            _bySlice[name] = Read(slice, port, scheme);
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
        ListsSelf = _bySlice.Values.Any(p => p.Peers.Contains(self, StringComparer.Ordinal));
        PortByNumber = PortMismatch.Of(_bySlice, PortMatch.ByNumberInstead);
        PortNotFound = PortMismatch.Of(_bySlice, PortMatch.NotFound);
        var others = _bySlice.Values.SelectMany(p => p.Peers).Where(p => p != self).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
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
    public static IReadOnlyList<string> PeersOf(V1EndpointSlice slice, PortChoice choice, string scheme) => Read(slice, choice, scheme).Peers;

    private static SlicePeers Read(V1EndpointSlice slice, PortChoice choice, string scheme)
    {
        if (slice.AddressType is not ("IPv4" or "IPv6"))
        {
            return SlicePeers.OtherAddressType;
        }

        var hosts = new List<string>();
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
                    hosts.Add(ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString());
                }
            }
        }

        var (port, match) = choice.Find(slice.Ports);
        string[] ports = [.. (slice.Ports ?? []).Select(p => $"{(string.IsNullOrEmpty(p.Name) ? "(unnamed)" : p.Name)}/{p.Port}")];
        if (port is not (> 0 and <= 65535))
        {
            return new SlicePeers([], hosts.Count, PortMatch.NotFound, ports);
        }

        return new SlicePeers([.. hosts.Select(h => PeerAddress.Normalize($"{scheme}://{h}:{port}"))], hosts.Count, match, ports);
    }
}

/// <summary>What one slice gives: its peers, its ready IP endpoints, how its port was found, and the ports it has (for warnings).</summary>
internal sealed record SlicePeers(IReadOnlyList<string> Peers, int ReadyEndpoints, PortMatch Match, IReadOnlyList<string> Ports)
{
    /// <summary>An FQDN slice: no IP endpoints, so nothing to warn about either.</summary>
    public static readonly SlicePeers OtherAddressType = new([], 0, PortMatch.AsConfigured, []);
}

/// <summary>How a slice's peer port was found.</summary>
internal enum PortMatch
{
    /// <summary>As configured: by name, or by number when no name is configured.</summary>
    AsConfigured,

    /// <summary>No port of the configured name; one of the configured number instead.</summary>
    ByNumberInstead,

    /// <summary>Neither: the slice names no peer.</summary>
    NotFound,
}

/// <summary>The slices with ready endpoints whose port was found <see cref="PortMatch.ByNumberInstead"/>, or not at all, for one warning.</summary>
/// <param name="Slices">Their names, sorted.</param>
/// <param name="Endpoints">Their ready endpoints, in all.</param>
/// <param name="Ports">The ports they have (name/number), each once.</param>
internal sealed record PortMismatch(IReadOnlyList<string> Slices, int Endpoints, string Ports)
{
    public static PortMismatch? Of(IReadOnlyDictionary<string, SlicePeers> slices, PortMatch match)
    {
        var hit = slices.Where(s => s.Value.Match == match && s.Value.ReadyEndpoints > 0).OrderBy(s => s.Key, StringComparer.Ordinal).ToList();
        if (hit.Count == 0)
        {
            return null;
        }

        string ports = string.Join(", ", hit.SelectMany(s => s.Value.Ports).Distinct(StringComparer.Ordinal));
        return new PortMismatch([.. hit.Select(s => s.Key)], hit.Sum(s => s.Value.ReadyEndpoints), ports.Length == 0 ? "none" : ports);
    }
}

/// <summary>
/// Which of a slice's ports is the peer protocol's: the one of <see cref="Name"/>; for a slice
/// without it (or with no name given), the one of <see cref="Number"/>.
/// </summary>
internal sealed record PortChoice(string? Name, int? Number)
{
    public static implicit operator PortChoice(string name) => new(name, null);

    /// <summary>What is looked for, in words: "named 'groupcache' or numbered 8081".</summary>
    public string Wanted => (Name, Number) switch
    {
        (not null, not null) => $"named '{Name}' or numbered {Number}",
        (not null, null) => $"named '{Name}'",
        _ => $"numbered {Number}",
    };

    /// <summary>The peer port of a slice with <paramref name="ports"/>, and how it was found; null when it has none.</summary>
    public (int? Port, PortMatch Match) Find(IList<Discoveryv1EndpointPort>? ports)
    {
        if (Name is not null && ports?.FirstOrDefault(p => string.Equals(p.Name, Name, StringComparison.Ordinal)) is { } named)
        {
            return (named.Port, PortMatch.AsConfigured);
        }

        if (Number is not null && ports?.Any(p => p.Port == Number) == true)
        {
            return (Number, Name is null ? PortMatch.AsConfigured : PortMatch.ByNumberInstead);
        }

        return (null, PortMatch.NotFound);
    }
}
