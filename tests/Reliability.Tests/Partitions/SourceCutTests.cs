using System.Diagnostics;
using System.Net;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Partitions;

/// <summary>(c) One node cut off from the source only: its peers and its clients still reach it.</summary>
public sealed class SourceCutTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CutAt = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan CutFor = TimeSpan.FromSeconds(8);
    private const int Probes = 10;

    // The default relation (SOURCE_TIMEOUT + 1 s): a peer that loads a key from the source is given
    // the time the source may take, so C's fallback to its own (cut) source link is not tried early.
    private static readonly TimeSpan PeerTimeout = Partition.SourceTimeout + TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Blackhole_NodeToSource_ServesItsCacheFailsTheRestWithin504AndRecoversAlone()
    {
        var env = Partition.Env(PeerTimeout);
        using var cluster = await ProxiedCluster.StartAsync(env);
        var (a, c) = (cluster.Nodes[0], cluster.Nodes[2]);
        var warm = Values.Keys("srccut-", 150);
        var cold = Values.Keys("srccut-cold-", 300);
        var coldOfC = cold.Where(k => cluster.OwnerOf(k) == c).Take(2 * Probes).ToArray();
        var coldOfA = cold.Where(k => cluster.OwnerOf(k) == a).Take(Probes).ToArray();
        await TestCluster.SeedAsync(cluster.Source.Url, [.. warm, .. coldOfC, .. coldOfA]);
        await cluster.WarmAsync(warm); // C caches its share

        var load = Partition.StartLoad(cluster, warm, TimeSpan.FromSeconds(40));
        await Task.Delay(CutAt);
        var cutAt = load.Elapsed;
        cluster.CutFromSource(c, LinkMode.Blackhole);

        // The status shows the source's health as the node sees it (checked every 500 ms here).
        var sourceDown = TestHttp.EventuallyAsync(async () => await SourceHealthyAsync(c) == false, Partition.SourceTimeout + TimeSpan.FromSeconds(4));

        // Through C: C's own cold keys need the source (504 after SOURCE_TIMEOUT); A's cold keys come from A.
        // Through A: C's cold keys fail at C, and A loads them itself. All at once.
        var throughCTask = ProbeAsync(c, coldOfC[..Probes]);
        var othersThroughCTask = ProbeAsync(c, coldOfA);
        var throughATask = ProbeAsync(a, coldOfC[Probes..]);
        var (throughC, othersThroughC, throughA) = (await throughCTask, await othersThroughCTask, await throughATask);
        bool cSawSourceDown = await sourceDown;
        bool aSawSourceUp = await SourceHealthyAsync(a) == true;
        var remaining = CutFor - (load.Elapsed - cutAt);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        var healAt = load.Elapsed;
        cluster.Heal();
        var recovery = Stopwatch.StartNew();
        bool recovered = await TestHttp.EventuallyAsync(
            async () => (await ProbeAsync(c, coldOfC[..Probes])).All(p => p.Status == HttpStatusCode.OK && p.Value == Values.Of(p.Key)),
            TimeSpan.FromSeconds(10),
            TimeSpan.FromMilliseconds(100));
        var recoveredAfter = recovery.Elapsed;
        bool healthyAgain = await TestHttp.EventuallyAsync(async () => await SourceHealthyAsync(c) == true, TimeSpan.FromSeconds(10));
        var samples = await load.StopAsync();

        var all = Counts.Of(samples);
        var maxFailMs = throughC.Max(p => p.Ms);
        new Figures("partition-source-cut", output)
            .Add("load", Partition.LoadFigures(samples, warm.Count))
            .Add("settings", env)
            .Add("cutAtMs", Math.Round(cutAt.TotalMilliseconds))
            .Add("healAtMs", Math.Round(healAt.TotalMilliseconds))
            .Add("cachedKeysAllNodes", all)
            .Add("cachedKeysThroughCutNodeDuringCut", Counts.Of(samples.Where(s => s.AtMs >= cutAt.TotalMilliseconds && s.AtMs < healAt.TotalMilliseconds && s.Target == c.ApiUrl)))
            .Add("coldKeysOfCThroughC", Summary(throughC))
            .Add("coldKeysOfAThroughC", Summary(othersThroughC))
            .Add("coldKeysOfCThroughA", Summary(throughA))
            .Add("cSawSourceDown", cSawSourceDown)
            .Add("aSawSourceUp", aSawSourceUp)
            .Add("recoveredAfterHealMs", Math.Round(recoveredAfter.TotalMilliseconds))
            .Add("statusHealthyAgain", healthyAgain)
            .Write();

        Assert.Equal(0, all.Wrong);
        Assert.Equal(0, all.Failed);
        Assert.True(Partition.Rate(samples) >= 200, $"the load ran at {Partition.Rate(samples):F0} requests a second");
        Assert.True(cSawSourceDown, "C's status never showed the source down");
        Assert.True(aSawSourceUp, "A's status showed the source down");

        // What C cannot load: 502 or 504, within SOURCE_TIMEOUT (+ slack), never a wrong value.
        Assert.All(throughC, p => Assert.Contains(p.Status, new[] { HttpStatusCode.BadGateway, HttpStatusCode.GatewayTimeout }));
        Assert.True(maxFailMs <= (Partition.SourceTimeout + Partition.Slack).TotalMilliseconds, $"slowest failure {maxFailMs} ms");

        // What others can load still reaches C's clients, and C's failure does not reach A's.
        Assert.All(othersThroughC, p => Assert.Equal(Values.Of(p.Key), p.Value));
        Assert.All(throughA, p => Assert.Equal(Values.Of(p.Key), p.Value));

        Assert.True(recovered, "C did not load its keys from the source again within 10 s of the heal");
        Assert.True(healthyAgain, "C's status did not show the source healthy again");
    }

    private static async Task<bool?> SourceHealthyAsync(ProxiedNode node)
    {
        var source = (await node.Node.StatusAsync()).GetProperty("source");
        return source.GetProperty("healthy").ValueKind switch
        {
            System.Text.Json.JsonValueKind.True => true,
            System.Text.Json.JsonValueKind.False => false,
            _ => null,
        };
    }

    private static async Task<Probe[]> ProbeAsync(ProxiedNode node, IEnumerable<string> keys) =>
        await Task.WhenAll(keys.Select(async key =>
        {
            var clock = Stopwatch.StartNew();
            var (status, body) = await node.Node.GetAsync(key);
            string? value = status == HttpStatusCode.OK ? body.GetProperty("value").GetString() : null;
            return new Probe(key, status, value, clock.Elapsed.TotalMilliseconds);
        }));

    private static object Summary(Probe[] probes) => new
    {
        count = probes.Length,
        byStatus = probes.GroupBy(p => (int)p.Status).ToDictionary(g => g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Count()),
        right = probes.Count(p => p.Value == Values.Of(p.Key)),
        minMs = Math.Round(probes.Min(p => p.Ms)),
        maxMs = Math.Round(probes.Max(p => p.Ms)),
    };

    private sealed record Probe(string Key, HttpStatusCode Status, string? Value, double Ms);
}
