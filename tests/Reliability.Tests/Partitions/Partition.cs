using System.Globalization;
using Reliability.Tests.Support;

namespace Reliability.Tests.Partitions;

/// <summary>The settings every partition scenario runs with, and its steady read load.</summary>
internal static class Partition
{
    public static readonly TimeSpan GossipInterval = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan MemberDeadAfter = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan SourceTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Added to every latency bound: the machine is shared with other builds.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// 16 clients at 20 requests a second each: 320 a second in all, at most. Many slow clients
    /// rather than a few fast ones, so that requests held by a cut link (up to a peer timeout)
    /// hold few of the load's slots.
    /// </summary>
    public const int Clients = 16;
    public const double RatePerClient = 20;

    /// <summary>Longer than the slowest answer a partition can cause (a peer timeout, then the source), so that only a real failure fails.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(8);

    public static IReadOnlyDictionary<string, string> NodeEnv { get; } = new Dictionary<string, string>
    {
        ["GOSSIP_INTERVAL"] = Ms(GossipInterval),
        ["MEMBER_DEAD_AFTER"] = Ms(MemberDeadAfter),
        ["PEER_TIMEOUT"] = Ms(PeerTimeout),
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
