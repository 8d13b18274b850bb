using CacheApp.Configuration;

namespace CacheApp.Dashboard;

/// <summary>
/// A member's API address when there is no member table to name it. A DNS name or a Kubernetes
/// service gives one address per member and one port for all of them: its members run one
/// configuration, so a member's API listens on this node's API_PORT. Static peers name only their
/// groupcache address and may use any API port, so theirs stays unknown.
/// </summary>
internal static class DiscoveredApiAddress
{
    public static string? Of(CacheAppSettings settings, string? groupCacheAddr)
    {
        if (settings.Discovery is not (DiscoveryMode.Dns or DiscoveryMode.Kubernetes)
            || !Uri.TryCreate(groupCacheAddr, UriKind.Absolute, out var member))
        {
            return null;
        }

        string scheme = new Uri(settings.SelfApiAddr).Scheme;
        return new UriBuilder(scheme, member.Host, settings.ApiPort).Uri.GetLeftPart(UriPartial.Authority);
    }
}
