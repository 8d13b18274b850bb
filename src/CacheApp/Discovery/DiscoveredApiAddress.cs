using CacheApp.Configuration;

namespace CacheApp.Discovery;

/// <summary>
/// A member's API address when there is no member table to name it. A DNS name (A/AAAA records) or
/// a Kubernetes service gives one address per member and one port for all of them: its members run
/// one configuration, so a member whose groupcache port is this node's GROUPCACHE_PORT listens for
/// its API on this node's API_PORT. A member on another port (SRV records give each its own) or a
/// static peer names only its groupcache address, so its API address stays unknown.
/// </summary>
internal static class DiscoveredApiAddress
{
    public static string? Of(CacheAppSettings settings, string? groupCacheAddr)
    {
        if (settings.Discovery is not (DiscoveryMode.Dns or DiscoveryMode.Kubernetes)
            || !Uri.TryCreate(groupCacheAddr, UriKind.Absolute, out var member)
            || member.Port != settings.GroupCachePort)
        {
            return null;
        }

        string scheme = new Uri(settings.SelfApiAddr).Scheme;
        return new UriBuilder(scheme, member.Host, settings.ApiPort).Uri.GetLeftPart(UriPartial.Authority);
    }
}
