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

    /// <summary>
    /// True when the node takes invalidations (<c>DELETE /api/data/{key}</c>, the peer protocol's
    /// DELETE) on a non-loopback address without a secret, in any discovery mode: no one can make
    /// it serve their values that way, but anyone can make every node forget keys one by one and
    /// send the reads to the source.
    /// </summary>
    public static bool TakesInvalidationsFromTheNetwork(CacheAppSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return string.IsNullOrEmpty(settings.ClusterSecret) && !IsLoopback(settings.BindHost);
    }

    /// <summary>Logs one warning at start-up when the node is open to strangers: the join warning when <see cref="IsOpenToTheNetwork"/>, else the invalidation one.</summary>
    public static void WarnIfOpen(ILogger logger, CacheAppSettings settings)
    {
        string bind = settings.BindHost ?? "all interfaces";
        if (IsOpenToTheNetwork(settings))
        {
            LogOpenToTheNetwork(logger, bind, settings.ApiPort);
        }
        else if (TakesInvalidationsFromTheNetwork(settings))
        {
            LogInvalidationsOpenToTheNetwork(logger, bind, settings.ApiPort, settings.GroupCachePort);
        }
    }

    // BindHost null means all interfaces.
    private static bool IsLoopback(string? bindHost) => ServiceCommon.LoopbackHostCheck.IsLoopbackOnly(bindHost);

    [LoggerMessage(
        110,
        LogLevel.Warning,
        "No cluster secret, and cluster messages are accepted on {Bind} (API port {Port}): anyone who can reach this node can join its ring and have it serve their values. Set CLUSTER_SECRET or CLUSTER_SECRET_FILE on every node (start-services.sh does), or BIND_HOST=127.0.0.1.")]
    private static partial void LogOpenToTheNetwork(ILogger logger, string bind, int port);

    [LoggerMessage(
        111,
        LogLevel.Warning,
        "No cluster secret, and this node listens on {Bind} (API port {ApiPort}, peer port {PeerPort}): anyone who can reach it can make every node forget keys (DELETE /api/data/{{key}} or the peer protocol's DELETE), which sends the reads to the source. Set CLUSTER_SECRET or CLUSTER_SECRET_FILE on every node, or BIND_HOST=127.0.0.1 (a ring with golang/groupcache nodes cannot use a secret).")]
    private static partial void LogInvalidationsOpenToTheNetwork(ILogger logger, string bind, int apiPort, int peerPort);
}
