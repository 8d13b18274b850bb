using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;

namespace GroupCache.Dns;

/// <summary>
/// One resolution of the ring's name into peer URLs: SRV records first (address and port of each
/// peer), else A and AAAA records with the common port. Throws <see cref="DnsLookupException"/>
/// for anything that is not a usable answer, so that the caller keeps its last good ring.
/// </summary>
internal sealed class DnsPeerLookup
{
    private readonly ILookupClient _client;
    private readonly string _name;
    private readonly string _srvName;
    private readonly string _scheme;
    private readonly int _port;

    public DnsPeerLookup(DnsDiscoveryOptions options, string scheme, int port)
    {
        _name = options.Name!.TrimEnd('.');
        _srvName = $"{options.SrvService.Trim('.')}.{_name}";
        _scheme = scheme;
        _port = port;
        var clientOptions = options.Server is { } server ? new LookupClientOptions(server) : new LookupClientOptions();

        // Every poll must see the records as they are now; a cache would hide changes up to its TTL.
        clientOptions.UseCache = false;
        clientOptions.Timeout = options.QueryTimeout;
        clientOptions.Retries = 1;
        clientOptions.ThrowDnsErrors = false;
        clientOptions.UseTcpFallback = true;
        _client = new LookupClient(clientOptions);
    }

    /// <summary>
    /// Resolves the name. <paramref name="lastWasSrv"/>: the last good answer came from SRV
    /// records, so a failed SRV query fails the lookup rather than falling back to A records with
    /// another port (which would swap the whole ring for a moment).
    /// </summary>
    public async Task<DnsAnswer> LookupAsync(bool lastWasSrv, CancellationToken cancellationToken)
    {
        var srv = await QueryAsync(_srvName, QueryType.SRV, cancellationToken).ConfigureAwait(false);
        if (srv.Error is { } srvError && lastWasSrv)
        {
            throw new DnsLookupException($"SRV {_srvName}: {srvError}");
        }

        var srvRecords = srv.Response?.Answers.SrvRecords().ToList() ?? [];
        if (srvRecords.Count > 0)
        {
            // Port 0 is no port a peer can listen on, and a target of "." says the service is not
            // available there (RFC 2782); such a record names nobody to ask. Looked up, "." became
            // the empty name, a query that servers may refuse, failing the whole lookup.
            var usable = srvRecords.Where(r => r.Port != 0 && !IsRoot(r.Target.Value)).ToList();
            if (usable.Count == 0)
            {
                throw new DnsLookupException($"no SRV record of {_srvName} names a target and a port (each gives port 0 or the target \".\")");
            }

            return await FromSrvAsync(srv.Response!, usable, cancellationToken).ConfigureAwait(false);
        }

        var (addresses, ttl) = await AddressesAsync(_name, cancellationToken).ConfigureAwait(false);
        if (addresses.Count == 0)
        {
            throw new DnsLookupException($"no SRV ({_srvName}) records, and no A or AAAA record of {_name} with an address a peer can have (0.0.0.0, ::, multicast and broadcast name none)");
        }

        return new DnsAnswer([.. addresses.Select(a => Url(a, _port))], ttl, FromSrv: false);
    }

    private async Task<DnsAnswer> FromSrvAsync(IDnsQueryResponse response, List<SrvRecord> records, CancellationToken cancellationToken)
    {
        var peers = new List<string>();
        TimeSpan? ttl = records.Min(r => Seconds(r.InitialTimeToLive));
        foreach (var record in records)
        {
            string target = record.Target.Value.TrimEnd('.');

            // Servers usually put the targets' addresses beside the answer; ask only when they did not.
            var known = response.Additionals.OfType<AddressRecord>()
                .Where(a => string.Equals(a.DomainName.Value.TrimEnd('.'), target, StringComparison.OrdinalIgnoreCase))
                .ToList();
            IReadOnlyList<IPAddress> addresses;
            if (known.Count > 0)
            {
                addresses = [.. known.Select(a => a.Address).Where(IsPeerAddress)];
                ttl = Shorter(ttl, known.Min(a => Seconds(a.InitialTimeToLive)));
            }
            else if (IPAddress.TryParse(target, out var literal))
            {
                addresses = IsPeerAddress(literal) ? [literal] : [];
            }
            else
            {
                (addresses, var targetTtl) = await AddressesAsync(target, cancellationToken).ConfigureAwait(false);
                ttl = Shorter(ttl, targetTtl);
            }

            peers.AddRange(addresses.Select(a => Url(a, record.Port)));
        }

        if (peers.Count == 0)
        {
            throw new DnsLookupException($"the SRV records of {_srvName} name targets without A or AAAA records of an address a peer can have");
        }

        return new DnsAnswer(peers, ttl, FromSrv: true);
    }

    /// <summary>A and AAAA of <paramref name="name"/>; either failing (not merely absent) fails the lookup.</summary>
    private async Task<(IReadOnlyList<IPAddress> Addresses, TimeSpan? Ttl)> AddressesAsync(string name, CancellationToken cancellationToken)
    {
        var v4 = await QueryAsync(name, QueryType.A, cancellationToken).ConfigureAwait(false);
        var v6 = await QueryAsync(name, QueryType.AAAA, cancellationToken).ConfigureAwait(false);
        if (v4.Error is { } error4)
        {
            throw new DnsLookupException($"A {name}: {error4}");
        }

        if (v6.Error is { } error6)
        {
            throw new DnsLookupException($"AAAA {name}: {error6}");
        }

        var records = v4.Response!.Answers.ARecords().Cast<AddressRecord>()
            .Concat(v6.Response!.Answers.AaaaRecords())
            .Where(r => IsPeerAddress(r.Address))
            .ToList();
        TimeSpan? ttl = records.Count == 0 ? null : records.Min(r => Seconds(r.InitialTimeToLive));
        return ([.. records.Select(r => r.Address)], ttl);
    }

    /// <summary>
    /// One query. An absent name (NXDOMAIN) or an empty answer is not an error: the caller tries the
    /// next kind of record. Timeouts, refusals and server failures are.
    /// </summary>
    private async Task<(IDnsQueryResponse? Response, string? Error)> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        }
        catch (DnsResponseException ex)
        {
            return (null, ex.Message);
        }
        catch (SocketException ex)
        {
            return (null, ex.Message);
        }

        if (!response.HasError || response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
        {
            return (response, null);
        }

        return (null, $"{response.Header.ResponseCode} from {response.NameServer}");
    }

    private string Url(IPAddress address, int port)
    {
        // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 host a.b.c.d: spelled as an
        // IPv6 URL it would be a second ring member for the same node (this node itself, for its
        // own address), beside the one its A record names.
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        string host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return $"{_scheme}://{host}:{port}";
    }

    /// <summary>
    /// Whether a peer can listen at the address. The unspecified addresses (0.0.0.0, ::) are what a
    /// blocking resolver answers for a name it refuses, and connecting to them reaches this host:
    /// as members they put this node on its own ring as a remote peer. Multicast and broadcast
    /// addresses take no connections.
    /// </summary>
    private static bool IsPeerAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return !address.Equals(IPAddress.IPv6Any) && !address.IsIPv6Multicast;
        }

        byte first = address.GetAddressBytes()[0];
        return !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.Broadcast) && first is < 224 or > 239;
    }

    private static bool IsRoot(string name) => name.TrimEnd('.').Length == 0;

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromSeconds(Math.Max(0, seconds));

    private static TimeSpan? Shorter(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;
}
