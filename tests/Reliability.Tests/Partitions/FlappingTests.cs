using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Partitions;

/// <summary>(d) A flapping node: all its links pass and blackhole in turn, every second, for 30 s.</summary>
public sealed class FlappingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan FlapEvery = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FlapFor = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollSlack = TimeSpan.FromMilliseconds(300); // the ring watch polls every 100 ms

    [Fact]
    public async Task Flap_NodeLinksEverySecondFor30s_RingsChangeNoFasterThanTheSuspicionRulesAllow()
    {
        using var cluster = await ProxiedCluster.StartAsync(Partition.NodeEnv);
        var flapping = cluster.Nodes[2];
        var keys = Values.Keys("flap-", 300);
        await TestCluster.SeedAsync(cluster.Source.Url, keys);

        await cluster.WarmAsync(keys);
        var load = Partition.StartLoad(cluster, keys, FlapFor + TimeSpan.FromSeconds(20));
        var rings = new RingWatch(cluster.Nodes, () => load.Elapsed);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var flapAt = load.Elapsed;
        int switches = 0;
        using (var timer = new PeriodicTimer(FlapEvery))
        {
            while (load.Elapsed - flapAt < FlapFor && await timer.WaitForNextTickAsync())
            {
                if (switches++ % 2 == 0)
                {
                    cluster.Isolate(flapping, LinkMode.Blackhole);
                }
                else
                {
                    cluster.Heal();
                }
            }
        }

        var healAt = load.Elapsed;
        cluster.Heal();
        var settledAfter = await cluster.WaitRingsAsync(cluster.Nodes, cluster.FullRing, TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(1));
        var samples = await load.StopAsync();
        await rings.DisposeAsync();

        var changes = rings.Changes.Where(ch => ch.AtMs >= flapAt.TotalMilliseconds).ToArray();
        var counts = rings.ChangeCounts();

        // A member leaves a ring only after MEMBER_DEAD_AFTER without news, and it came back (or
        // was first seen) with news: between entering a ring and leaving it again at least
        // MEMBER_DEAD_AFTER passes. So over the run each observer can drop it at most
        // floor(run / MEMBER_DEAD_AFTER) + 1 times, and each drop pairs with at most one return.
        double runSeconds = (healAt - flapAt + settledAfter).TotalSeconds;
        int maxChangesPerObserver = 2 * ((int)(runSeconds / Partition.MemberDeadAfter.TotalSeconds) + 1);
        var stays = InRingStays(rings.Changes, flapping.RingName);
        var all = Counts.Of(samples);
        new Figures("partition-flapping", output)
            .Add("load", Partition.LoadFigures(samples, keys.Count))
            .Add("settings", Partition.NodeEnv)
            .Add("flap", new { everyMs = FlapEvery.TotalMilliseconds, forMs = FlapFor.TotalMilliseconds, switches, node = flapping.Name })
            .Add("ringChangesPerObserver", counts)
            .Add("suspicionsPerObserver", rings.SuspicionCounts())
            .Add("maxChangesPerObserverAllowed", maxChangesPerObserver)
            .Add("ringChanges", changes.Select(ch => new { ch.Observer, ch.AtMs, size = ch.Ring.Length }))
            .Add("shortestStayBeforeARemovalMs", stays.Count == 0 ? null : stays.Min())
            .Add("settledAfterLastHealMs", Math.Round(settledAfter.TotalMilliseconds))
            .Add("all", all)
            .Add("rejoinFlushes", await Task.WhenAll(cluster.Nodes.Select(n => ProxiedCluster.FreshnessAsync(n, "rejoinFlushes"))))
            .Write();

        Assert.Equal(0, all.Wrong);
        Assert.Equal(0, all.Failed);
        Assert.True(Partition.Rate(samples) >= 200, $"the load ran at {Partition.Rate(samples):F0} requests a second");
        Assert.All(counts, c => Assert.InRange(c.Value, 0, maxChangesPerObserver));
        Assert.All(stays, ms => Assert.True(ms >= (Partition.MemberDeadAfter - PollSlack).TotalMilliseconds, $"a member left a ring {ms} ms after it entered it"));
    }

    /// <summary>For each time an observer dropped <paramref name="member"/>: how long it had been on that ring (ms).</summary>
    private static List<double> InRingStays(IReadOnlyList<RingChange> changes, string member)
    {
        var stays = new List<double>();
        foreach (var observer in changes.GroupBy(c => c.Observer))
        {
            double? since = null;
            foreach (var change in observer)
            {
                bool inRing = change.Ring.Contains(member);
                if (inRing && since is null)
                {
                    since = change.AtMs;
                }
                else if (!inRing && since is not null)
                {
                    stays.Add(change.AtMs - since.Value);
                    since = null;
                }
            }
        }

        return stays;
    }
}
