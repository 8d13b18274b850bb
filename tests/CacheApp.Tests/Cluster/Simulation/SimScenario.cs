using System.Globalization;
using CacheApp.Cluster;

namespace CacheApp.Tests.Cluster.Simulation;

/// <summary>The figures of one cluster size, as docs/MEMBERSHIP.md tabulates them.</summary>
internal sealed record SimResult(
    int Members,
    double MessagesPerMemberPerSecond,
    double BytesPerMemberPerSecond,
    double? JoinKnownSeconds,
    double? JoinerKnowsAllSeconds,
    double? DeathKnownSeconds,
    int FalseDeathsAtLoss,
    double LossMinutes,
    double Loss,
    double MessagesPerMemberPerSecondAtLoss)
{
    public static string Header =>
        "| N | msgs / member / s | bytes / member / s | join known by all (s) | joiner knows all (s) | death known by all (s) | false deaths, 5 % loss, 10 min | msgs / member / s at 5 % loss |\n" +
        "|---:|---:|---:|---:|---:|---:|---:|---:|";

    public string Row => string.Create(
        CultureInfo.InvariantCulture,
        $"| {Members} | {MessagesPerMemberPerSecond:F2} | {BytesPerMemberPerSecond:F0} | {Seconds(JoinKnownSeconds)} | {Seconds(JoinerKnowsAllSeconds)} | {Seconds(DeathKnownSeconds)} | {FalseDeathsAtLoss} | {MessagesPerMemberPerSecondAtLoss:F2} |");

    private static string Seconds(double? s) => s is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "never";
}

/// <summary>
/// One run of the simulator for a cluster size: steady cost, a join, a SIGKILL, and a separate
/// 10-minute run at 5 % loss counting false deaths. Seeded: the same size gives the same figures.
/// </summary>
internal static class SimScenario
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static SimResult Run(int members, int seed = 17, double loss = 0.05, TimeSpan? lossRun = null)
    {
        var settings = new SimSettings { Seed = seed };
        var cluster = new SimCluster(settings);
        cluster.StartFormed(members);
        cluster.RunUntil(TimeSpan.FromSeconds(20));

        // Steady state: a minute with nothing happening.
        var (messages, bytes) = Sent(cluster);
        var window = TimeSpan.FromSeconds(60);
        cluster.RunUntil(cluster.Elapsed + window);
        var (messagesAfter, bytesAfter) = Sent(cluster);
        double perMemberSecond = members * window.TotalSeconds;

        // A join through one member, known (alive) by every member; and the joiner's own view.
        var random = new Random(seed);
        var seedNode = cluster.Nodes[random.Next(members)];
        var joiner = cluster.Join(seedNode);
        double? joinerKnowsAll = null;
        double? joinKnown = null;
        var joinStarted = cluster.Elapsed;
        cluster.RunUntil(
            () =>
            {
                double now = (cluster.Elapsed - joinStarted).TotalSeconds;
                joinerKnowsAll ??= joiner.Table.LiveCount == members ? now : null;
                joinKnown ??= Everyone(cluster, joiner, MemberState.Alive) ? now : null;
                return joinKnown is not null && joinerKnowsAll is not null;
            },
            Limit);

        cluster.RunUntil(cluster.Elapsed + TimeSpan.FromSeconds(10));

        // A SIGKILL of a member that is neither the seed nor the joiner: detection plus spread.
        SimNode victim;
        do
        {
            victim = cluster.Nodes[random.Next(members)];
        }
        while (victim == seedNode);

        SimCluster.Kill(victim);
        var deathKnown = cluster.RunUntil(() => Everyone(cluster, victim, MemberState.Dead), Limit);

        // False deaths: a separate formed cluster at the given loss, for the given time.
        var lossTime = lossRun ?? TimeSpan.FromMinutes(10);
        var lossy = new SimCluster(settings with { Loss = loss, Seed = seed + 1 });
        lossy.StartFormed(members);
        lossy.RunUntil(TimeSpan.FromSeconds(5));
        var (lossyBefore, _) = Sent(lossy);
        lossy.RunUntil(TimeSpan.FromSeconds(5) + lossTime);
        var (lossyAfter, _) = Sent(lossy);

        return new SimResult(
            members,
            (messagesAfter - messages) / perMemberSecond,
            (bytesAfter - bytes) / perMemberSecond,
            joinKnown,
            joinerKnowsAll,
            deathKnown?.TotalSeconds,
            lossy.FalseDeaths,
            lossTime.TotalMinutes,
            loss,
            (lossyAfter - lossyBefore) / (members * lossTime.TotalSeconds));
    }

    // Every running member other than `about` holds it in `state` (a dead member may already be forgotten only after 10 minutes).
    private static bool Everyone(SimCluster cluster, SimNode about, MemberState state)
    {
        foreach (var node in cluster.Nodes)
        {
            if (node == about || !node.Running)
            {
                continue;
            }

            if (node.Table.DigestOf(about.GroupCacheAddr) is not { } d || MemberTable.StateOf(d) != state)
            {
                return false;
            }
        }

        return true;
    }

    private static (long Messages, long Bytes) Sent(SimCluster cluster)
    {
        long messages = 0;
        long bytes = 0;
        foreach (var node in cluster.Nodes)
        {
            messages += node.Stats.MessagesSent;
            bytes += node.Stats.BytesSent;
        }

        return (messages, bytes);
    }
}
