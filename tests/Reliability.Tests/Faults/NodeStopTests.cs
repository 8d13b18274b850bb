using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Faults;

/// <summary>
/// SIGSTOP of one node of three: it hangs with its sockets open (the kernel still accepts
/// connections), so only the peer timeout protects the others. SIGCONT brings it back.
/// </summary>
public sealed class NodeStopTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LoadTime = TimeSpan.FromSeconds(7);
    private static readonly TimeSpan StopAt = TimeSpan.FromSeconds(1.5);

    // Room for a machine that two cores share with other builds: a request may wait this long for a
    // CPU on top of the peer timeout and the source's own latency.
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(1500);

    [Fact]
    public async Task Sigstop_OneNodeUnderLoad_NoRequestWaitsLongerThanPeerTimeoutPlusSourceLatency_AndSigcontBringsItBack()
    {
        using var cluster = await TestCluster.StartAsync(3, new Dictionary<string, string>
        {
            ["PEER_TIMEOUT"] = "1s",
            ["SOURCE_TIMEOUT"] = "2s",
            ["MEMBER_DEAD_AFTER"] = "3s",
        });
        var (a, b, victim) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var keys = Values.Keys("stop-", 400);
        var later = Values.Keys("stop-later-", 60);
        await cluster.SeedAsync([.. keys, .. later]);

        var load = Load.Start([a.ApiUrl, b.ApiUrl], Load.Uniform(keys), clients: 4, LoadTime, requestTimeout: TimeSpan.FromSeconds(10));
        TimeSpan stoppedAt;
        TimeSpan droppedAfter;
        IReadOnlyList<Sample> samples;
        try
        {
            await Task.Delay(StopAt);
            stoppedAt = load.Elapsed;
            victim.Process.Stop();
            droppedAfter = await cluster.WaitRingAsync([a, b], [a, b], TimeSpan.FromSeconds(15));
            samples = await load.WaitAsync();
        }
        finally
        {
            victim.Process.Continue();
        }

        var rejoinedAfter = await cluster.WaitRingAsync([a, b, victim], [a, b, victim], TimeSpan.FromSeconds(15));
        long servedBefore = await victim.StatAsync("serverRequests");
        foreach (string key in later)
        {
            foreach (var node in new[] { a, b })
            {
                var (status, body) = await node.GetAsync(key);
                Assert.True(status == System.Net.HttpStatusCode.OK && body.GetProperty("value").GetString() == Values.Of(key), $"{node.Name} {key}: {(int)status} {body}");
            }
        }

        long servedAfter = await victim.StatAsync("serverRequests");

        // The source's latency: the slowest cold load before the stop (each key's first read goes to the source).
        var before = Counts.Between(samples, TimeSpan.Zero, stoppedAt);
        var stopped = Counts.Between(samples, stoppedAt, LoadTime);
        var bound = PeerTimeout + TimeSpan.FromMilliseconds(before.MaxLatencyMs) + Slack;
        new Figures("node-sigstop", output)
            .Add("load", new { clients = 4, seconds = LoadTime.TotalSeconds, keys = keys.Count, peerTimeoutMs = PeerTimeout.TotalMilliseconds })
            .Add("stoppedAtMs", Math.Round(stoppedAt.TotalMilliseconds))
            .Add("droppedFromRingAfterMs", Math.Round(droppedAfter.TotalMilliseconds))
            .Add("beforeStop", before)
            .Add("whileStopped", stopped)
            .Add("requestsSlowerThanPeerTimeout", samples.Count(s => s.AtMs >= stoppedAt.TotalMilliseconds && s.LatencyMs >= PeerTimeout.TotalMilliseconds))
            .Add("latencyBoundMs", bound.TotalMilliseconds)
            .Add("rejoinedAfterSigcontMs", Math.Round(rejoinedAfter.TotalMilliseconds))
            .Add("victimServedAfterSigcont", servedAfter - servedBefore)
            .Write();

        Assert.Equal(0, Counts.Of(samples).Wrong);
        Assert.Equal(0, stopped.Failed);
        Assert.True(stopped.MaxLatencyMs <= bound.TotalMilliseconds, $"a request took {stopped.MaxLatencyMs}ms; the bound is {bound.TotalMilliseconds}ms");
        Assert.True(servedAfter > servedBefore, "after SIGCONT no peer asked the node for a key it owns");
    }
}
