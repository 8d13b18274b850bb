using System.Diagnostics;
using System.Net;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Partitions;

/// <summary>(b) A one-way cut: A → B blackholed while B → A works.</summary>
public sealed class OneWayTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CutAt = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CutFor = TimeSpan.FromSeconds(8);
    private const int Probes = 20;

    [Fact]
    public async Task Blackhole_AToBOnly_AsKeysOfBLoadLocallyAfterPeerTimeoutAndRingsStayWhole()
    {
        using var cluster = await ProxiedCluster.StartAsync(Partition.NodeEnv);
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        var keys = Values.Keys("oneway-", 300);
        var probes = Values.Keys("oneway-probe-", 200).Where(k => cluster.OwnerOf(k) == b).Take(Probes).ToArray();
        await TestCluster.SeedAsync(cluster.Source.Url, [.. keys, .. probes]);

        await cluster.WarmAsync(keys);
        var load = Partition.StartLoad(cluster, keys, TimeSpan.FromSeconds(40));
        var rings = new RingWatch(cluster.Nodes, () => load.Elapsed);
        await Task.Delay(CutAt);
        var cutAt = load.Elapsed;
        long peerErrorsBefore = await a.Node.StatAsync("peerErrors");
        cluster.Cut(a, b, LinkMode.Blackhole);

        // Keys B owns and nobody read yet, asked through A at once: each waits for B, then A loads it.
        var probed = await Task.WhenAll(probes.Select(async key =>
        {
            var clock = Stopwatch.StartNew();
            var (status, body) = await a.Node.GetAsync(key);
            return (key, status, value: status == HttpStatusCode.OK ? body.GetProperty("value").GetString() : null, ms: clock.Elapsed.TotalMilliseconds);
        }));
        long peerErrorsAfter = await a.Node.StatAsync("peerErrors");
        var remaining = CutFor - (load.Elapsed - cutAt);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        var ringsDuringCut = rings.Changes.Where(ch => ch.AtMs >= cutAt.TotalMilliseconds).ToArray();
        var healAt = load.Elapsed;
        cluster.Heal();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var samples = await load.StopAsync();
        await rings.DisposeAsync();

        var all = Counts.Of(samples);
        new Figures("partition-one-way", output)
            .Add("load", Partition.LoadFigures(samples, keys.Count))
            .Add("settings", Partition.NodeEnv)
            .Add("cutAtMs", Math.Round(cutAt.TotalMilliseconds))
            .Add("healAtMs", Math.Round(healAt.TotalMilliseconds))
            .Add("probes", new
            {
                count = probed.Length,
                ok = probed.Count(p => p.value == Values.Of(p.key)),
                minMs = Math.Round(probed.Min(p => p.ms)),
                maxMs = Math.Round(probed.Max(p => p.ms)),
                peerErrorsOnA = peerErrorsAfter - peerErrorsBefore,
            })
            .Add("ringChangesDuringCut", ringsDuringCut.Select(ch => new { ch.Observer, ch.AtMs, ring = ch.Ring.Length }))
            .Add("all", all)
            .Add("duringCut", Counts.Between(samples, cutAt, healAt))
            .Add("afterHeal", Counts.Between(samples, healAt, load.Elapsed))
            .Write();

        Assert.Equal(0, all.Wrong);
        Assert.Equal(0, all.Failed);
        Assert.True(Partition.Rate(samples) >= 200, $"the load ran at {Partition.Rate(samples):F0} requests a second");

        // Every probe is answered right, by A itself, after PEER_TIMEOUT (not sooner: nothing told A
        // the link was cut) and before PEER_TIMEOUT plus one source load.
        Assert.All(probed, p => Assert.Equal(Values.Of(p.key), p.value));
        Assert.All(probed, p => Assert.InRange(p.ms, Partition.PeerTimeout.TotalMilliseconds - 50, (Partition.PeerTimeout + Partition.SourceTimeout + Partition.Slack).TotalMilliseconds));
        Assert.True(peerErrorsAfter - peerErrorsBefore >= Probes, $"A counted {peerErrorsAfter - peerErrorsBefore} peer errors for {Probes} probes");

        // B → A still carries both heartbeats (B's gossip, A's answer), and C hears both: every ring
        // keeps all three members through the cut.
        Assert.Empty(ringsDuringCut);
    }
}
