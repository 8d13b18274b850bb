using System.Net;
using CacheApp.Configuration;

namespace CacheApp.Cluster;

/// <summary>
/// Whether a node takes cluster messages from anyone who can reach it: without a secret, one
/// POST /api/cluster/join naming a server of the sender's puts that server on the ring, and the
/// node then serves whatever it answers for the keys it owns. On loopback only local processes can
/// do that; on any other address, the whole network can. Redis' protected mode is the model: the
/// node still starts (the seed's manual commands need no secret), but says so loudly.
/// </summary>
internal static partial class ClusterExposure
{
    /// <summary>True when the node accepts cluster messages on a non-loopback address without a secret.</summary>
    public static bool IsOpenToTheNetwork(CacheAppSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.DiscoveryEnabled && string.IsNullOrEmpty(settings.ClusterSecret) && !IsLoopback(settings.BindHost);
    }

    /// <summary>Logs the warning at start-up when <see cref="IsOpenToTheNetwork"/>.</summary>
    public static void WarnIfOpen(ILogger logger, CacheAppSettings settings)
    {
        if (IsOpenToTheNetwork(settings))
        {
            LogOpenToTheNetwork(logger, settings.BindHost ?? "all interfaces", settings.ApiPort);
        }
    }

    // BindHost null means all interfaces.
    private static bool IsLoopback(string? bindHost) =>
        bindHost == "localhost" || (bindHost is not null && IPAddress.TryParse(bindHost, out var ip) && IPAddress.IsLoopback(ip));

    [LoggerMessage(
        110,
        LogLevel.Warning,
        "No cluster secret, and cluster messages are accepted on {Bind} (API port {Port}): anyone who can reach this node can join its ring and have it serve their values. Set CLUSTER_SECRET or CLUSTER_SECRET_FILE on every node (start-services.sh does), or BIND_HOST=127.0.0.1.")]
    private static partial void LogOpenToTheNetwork(ILogger logger, string bind, int port);
}
