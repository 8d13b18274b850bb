using GroupCache.Http;
using Microsoft.Extensions.Options;

namespace GroupCache.Dns;

/// <summary>Checks <see cref="DnsDiscoveryOptions"/> when the host starts, naming each bad setting.</summary>
internal sealed class DnsDiscoveryOptionsValidator(IOptions<GroupCacheOptions> groupCache) : IValidateOptions<DnsDiscoveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DnsDiscoveryOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Name) || Uri.CheckHostName(options.Name.TrimEnd('.')) != UriHostNameType.Dns)
        {
            failures.Add($"DnsDiscoveryOptions.Name must be a DNS name (like groupcache.default.svc.cluster.local), got '{options.Name}'.");
        }

        if (options.Interval <= TimeSpan.Zero)
        {
            failures.Add($"DnsDiscoveryOptions.Interval must be positive, got {options.Interval}.");
        }

        if (options.QueryTimeout <= TimeSpan.Zero)
        {
            failures.Add($"DnsDiscoveryOptions.QueryTimeout must be positive, got {options.QueryTimeout}.");
        }

        if (options.Port is < 1 or > 65535)
        {
            failures.Add($"DnsDiscoveryOptions.Port must be between 1 and 65535 (or null for this node's own port), got {options.Port}.");
        }

        if (string.IsNullOrWhiteSpace(options.SrvService))
        {
            failures.Add("DnsDiscoveryOptions.SrvService must name the SRV service and protocol (like _groupcache._tcp).");
        }

        if (!PeerAddress.TryNormalize(groupCache.Value.Self, out _, out _))
        {
            failures.Add("DNS discovery needs GroupCache:Self, this node's own base URL: it is always on its ring.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
