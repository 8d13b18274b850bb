using System.Globalization;
using Reliability.Tests.Support;

namespace Reliability.Tests.Partitions;

/// <summary>The settings every partition scenario runs with, and its steady read load.</summary>
internal static class Partition
{
    public static readonly TimeSpan GossipInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MemberDeadAfter = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan SourceTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Added to every latency bound: the machine is shared with other builds.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// 24 clients at 15 requests a second each: 360 a second in all, at most. Many slow clients
    /// rather than a few fast ones, so that requests held by a cut link (up to a peer timeout)
    /// hold few of the load's slots.
    /// </summary>
    public const int Clients = 24;
    public const double RatePerClient = 15;

    /// <summary>Longer than the slowest answer a partition can cause (a peer timeout, then the source), so that only a real failure fails.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(8);

    public static IReadOnlyDictionary<string, string> NodeEnv { get; } = Env(PeerTimeout);

    /// <summary>The same settings with another PEER_TIMEOUT.</summary>
    public static IReadOnlyDictionary<string, string> Env(TimeSpan peerTimeout) => new Dictionary<string, string>
    {
        ["GOSSIP_INTERVAL"] = Ms(GossipInterval),
        ["MEMBER_DEAD_AFTER"] = Ms(MemberDeadAfter),
        ["PEER_TIMEOUT"] = Ms(peerTimeout),
        ["SOURCE_TIMEOUT"] = Ms(SourceTimeout),
    };

    /// <summary>The steady load: reads of <paramref name="keys"/> through every node, round-robin, for at most <paramref name="maxDuration"/>.</summary>
    public static Load StartLoad(ProxiedCluster cluster, IReadOnlyList<string> keys, TimeSpan maxDuration) =>
        Load.Start([.. cluster.Nodes.Select(n => n.ApiUrl)], Load.Uniform(keys), Clients, maxDuration, RequestTimeout, RatePerClient);

    /// <summary>The figures every scenario reports about its load.</summary>
    public static object LoadFigures(IReadOnlyList<Sample> samples, int keys)
    {
        double seconds = samples.Count == 0 ? 0 : (samples[^1].AtMs - samples[0].AtMs) / 1000;
        return new
        {
            clients = Clients,
            ratePerClient = RatePerClient,
            keys,
            seconds = Math.Round(seconds, 1),
            requestsPerSecond = seconds == 0 ? 0 : Math.Round(samples.Count / seconds),
            targets = "every node, directly",
        };
    }

    /// <summary>Requests a second over the whole run.</summary>
    public static double Rate(IReadOnlyList<Sample> samples) =>
        samples.Count < 2 ? 0 : samples.Count / ((samples[^1].AtMs - samples[0].AtMs) / 1000);

    private static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
}
