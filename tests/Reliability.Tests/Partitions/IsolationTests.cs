using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Partitions;

/// <summary>(a) One node cut off from every peer, both ways, for 10 s, then healed.</summary>
public sealed class IsolationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CutAt = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CutFor = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RejoinWithin = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Isolate_OneNodeFromAllPeersFor10s_NoWrongValueNoFailureAndOneRingAgainWithin10s()
    {
        using var cluster = await ProxiedCluster.StartAsync(Partition.NodeEnv);
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var keys = Values.Keys("isolate-", 300);
        await TestCluster.SeedAsync(cluster.Source.Url, keys);

        await cluster.WarmAsync(keys);
        var load = Partition.StartLoad(cluster, keys, TimeSpan.FromSeconds(40));
        var rings = new RingWatch(cluster.Nodes, () => load.Elapsed);
        await Task.Delay(CutAt);
        var cutAt = load.Elapsed;
        cluster.Isolate(c, LinkMode.Blackhole);

        // Each side drops the other once MEMBER_DEAD_AFTER passed without news.
        var majoritySplitAfter = await cluster.WaitRingsAsync([a, b], [a.RingName, b.RingName], CutFor);
        var isolatedSplitAfter = await cluster.WaitRingsAsync([c], [c.RingName], CutFor);
        var remaining = CutFor - (load.Elapsed - cutAt);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        var healAt = load.Elapsed;
        cluster.Heal();
        var rejoinedAfter = await cluster.WaitRingsAsync(cluster.Nodes, cluster.FullRing, RejoinWithin);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var samples = await load.StopAsync();
        await rings.DisposeAsync();

        var all = Counts.Of(samples);
        var duringCut = samples.Where(s => s.AtMs >= cutAt.TotalMilliseconds && s.AtMs < healAt.TotalMilliseconds).ToArray();
        new Figures("partition-isolate", output)
            .Add("load", Partition.LoadFigures(samples, keys.Count))
            .Add("settings", Partition.NodeEnv)
            .Add("cutAtMs", Math.Round(cutAt.TotalMilliseconds))
            .Add("healAtMs", Math.Round(healAt.TotalMilliseconds))
            .Add("majorityDroppedIsolatedAfterMs", Math.Round(majoritySplitAfter.TotalMilliseconds))
            .Add("isolatedAloneAfterMs", Math.Round((majoritySplitAfter + isolatedSplitAfter).TotalMilliseconds))
            .Add("oneRingAgainAfterHealMs", Math.Round(rejoinedAfter.TotalMilliseconds))
            .Add("all", all)
            .Add("beforeCut", Counts.Between(samples, TimeSpan.Zero, cutAt))
            .Add("duringCutThroughTheMajority", Counts.Of(duringCut.Where(s => s.Target != c.ApiUrl)))
            .Add("duringCutThroughTheIsolatedNode", Counts.Of(duringCut.Where(s => s.Target == c.ApiUrl)))
            .Add("afterHeal", Counts.Between(samples, healAt, load.Elapsed))
            .Add("ringChanges", rings.ChangeCounts())
            .Add("suspicions", rings.SuspicionCounts())
            .Add("rejoinFlushes", new[] { await ProxiedCluster.FreshnessAsync(a, "rejoinFlushes"), await ProxiedCluster.FreshnessAsync(b, "rejoinFlushes"), await ProxiedCluster.FreshnessAsync(c, "rejoinFlushes") })
            .Add("peerErrors", new[] { await a.Node.StatAsync("peerErrors"), await b.Node.StatAsync("peerErrors"), await c.Node.StatAsync("peerErrors") })
            .Write();

        Assert.Equal(0, all.Wrong);
        Assert.True(Partition.Rate(samples) >= 200, $"the load ran at {Partition.Rate(samples):F0} requests a second");

        // A blackholed peer costs a request at most PEER_TIMEOUT before the key is loaded locally,
        // and the isolated node still reaches the source: no request fails, on either side.
        Assert.Equal(0, all.Failed);
        Assert.True(all.MaxLatencyMs <= (Partition.PeerTimeout + Partition.SourceTimeout + Partition.Slack).TotalMilliseconds, $"slowest request {all.MaxLatencyMs} ms");
        Assert.All(cluster.Nodes, n => Assert.False(n.Node.Process.HasExited, cluster.Describe()));
    }
}
