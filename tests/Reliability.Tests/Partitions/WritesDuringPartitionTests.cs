using System.Net;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Partitions;

/// <summary>(e) Writes on both sides of a partition: after the heal every node returns what was written.</summary>
public sealed class WritesDuringPartitionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CutAt = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CutFor = TimeSpan.FromSeconds(10);
    private const int Written = 40;

    [Fact]
    public async Task WriteThrough_BothSidesOfAPartition_EveryNodeReturnsTheNewValuesOnceTheRingIsWhole()
    {
        using var cluster = await ProxiedCluster.StartAsync(Partition.NodeEnv);
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var readKeys = Values.Keys("pw-read-", 300);
        var writeKeys = Values.Keys("pw-write-", Written);
        await TestCluster.SeedAsync(cluster.Source.Url, [.. readKeys, .. writeKeys]);

        // Every node caches the keys that will change: its own share in its main cache, and a
        // chance of a hot copy of the others' (read three times so that hot copies are likely).
        for (int i = 0; i < 3; i++)
        {
            await cluster.WarmAsync(writeKeys);
        }

        await cluster.WarmAsync(readKeys);
        var load = Partition.StartLoad(cluster, readKeys, TimeSpan.FromSeconds(40));
        await Task.Delay(CutAt);
        var cutAt = load.Elapsed;
        cluster.Isolate(c, LinkMode.Blackhole);
        await cluster.WaitRingsAsync([a, b], [a.RingName, b.RingName], CutFor);
        await cluster.WaitRingsAsync([c], [c.RingName], CutFor);

        // Half the keys written through the majority, half through the isolated node: each side
        // invalidates only its own ring, and the other keeps the old value while cut off.
        var newValues = writeKeys.ToDictionary(k => k, k => $"new value of {k} ✓");
        var writes = await Task.WhenAll(writeKeys.Select((key, i) => PutAsync(i % 2 == 0 ? a : c, key, newValues[key])));
        var duringCut = await cluster.ReadAllAsync(writeKeys);
        var remaining = CutFor - (load.Elapsed - cutAt);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        var healAt = load.Elapsed;
        cluster.Heal();
        var wholeAfter = await cluster.WaitRingsAsync(cluster.Nodes, cluster.FullRing, TimeSpan.FromSeconds(10));

        // The moment every ring is whole again, every node answers every written key with its new value.
        var afterHeal = await cluster.ReadAllAsync(writeKeys);
        var samples = await load.StopAsync();

        var all = Counts.Of(samples);
        var flushes = await Task.WhenAll(cluster.Nodes.Select(n => ProxiedCluster.FreshnessAsync(n, "rejoinFlushes")));
        var flushed = await Task.WhenAll(cluster.Nodes.Select(n => ProxiedCluster.FreshnessAsync(n, "rejoinFlushedEntries")));
        new Figures("partition-writes", output)
            .Add("load", Partition.LoadFigures(samples, readKeys.Count))
            .Add("settings", Partition.NodeEnv)
            .Add("cutAtMs", Math.Round(cutAt.TotalMilliseconds))
            .Add("healAtMs", Math.Round(healAt.TotalMilliseconds))
            .Add("writes", new { count = writes.Length, throughMajority = writes.Count(w => w.Node == a.Name), throughIsolated = writes.Count(w => w.Node == c.Name), statuses = writes.GroupBy(w => (int)w.Status).ToDictionary(g => g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Count()) })
            .Add("oldValuesDuringCut", StaleByNode(duringCut, newValues))
            .Add("wholeRingAfterHealMs", Math.Round(wholeAfter.TotalMilliseconds))
            .Add("oldValuesAfterHeal", StaleByNode(afterHeal, newValues))
            .Add("rejoinFlushes", flushes)
            .Add("rejoinFlushedEntries", flushed)
            .Add("all", all)
            .Write();

        Assert.All(writes, w => Assert.True(w.Status is HttpStatusCode.OK or HttpStatusCode.Created, $"PUT {w.Key} through {w.Node}: {(int)w.Status}"));
        Assert.All(afterHeal, r => Assert.Equal(newValues[r.Key.Key], r.Value));
        Assert.All(flushes, f => Assert.True(f >= 1, "a node did not flush after the heal"));
        Assert.Equal(0, all.Wrong);
        Assert.Equal(0, all.Failed);
        Assert.True(Partition.Rate(samples) >= 200, $"the load ran at {Partition.Rate(samples):F0} requests a second");
    }

    private static async Task<(string Key, string Node, HttpStatusCode Status)> PutAsync(ProxiedNode node, string key, string value)
    {
        using var response = await TestHttp.Client.PutAsync(new Uri($"{node.ApiUrl}/api/data/{Uri.EscapeDataString(key)}"), TestHttp.ValueBody(value));
        return (key, node.Name, response.StatusCode);
    }

    private static Dictionary<string, int> StaleByNode(Dictionary<(string Node, string Key), string?> answers, Dictionary<string, string> newValues) =>
        answers.GroupBy(r => r.Key.Node).ToDictionary(g => g.Key, g => g.Count(r => r.Value != newValues[r.Key.Key]));
}
