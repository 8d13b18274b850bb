using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Faults;

/// <summary>SIGKILL of one node of three while 4 clients read through the other two.</summary>
public sealed class NodeKillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan LoadTime = TimeSpan.FromSeconds(7);
    private static readonly TimeSpan KillAt = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task Sigkill_OneNodeUnderLoad_SurvivorsAnswerEveryRequestRightWhileTheRingHeals()
    {
        using var cluster = await TestCluster.StartAsync(3, new Dictionary<string, string> { ["MEMBER_DEAD_AFTER"] = "2s" });
        var (a, b, victim) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var keys = Values.Keys("kill-", 300);
        await cluster.SeedAsync(keys);

        var load = Load.Start([a.ApiUrl, b.ApiUrl], Load.Uniform(keys), clients: 4, LoadTime, requestTimeout: TimeSpan.FromSeconds(5));
        await Task.Delay(KillAt);
        var killedAt = load.Elapsed;
        victim.Process.Kill();
        var healedAfter = await cluster.WaitRingAsync([a, b], [a, b], TimeSpan.FromSeconds(10));
        var samples = await load.WaitAsync();

        var healedAt = killedAt + healedAfter;
        var all = Counts.Of(samples);
        var healing = Counts.Between(samples, killedAt, healedAt);
        new Figures("node-sigkill", output)
            .Add("load", new { clients = 4, seconds = LoadTime.TotalSeconds, keys = keys.Count, targets = "the two survivors" })
            .Add("killedAtMs", Math.Round(killedAt.TotalMilliseconds))
            .Add("ringHealedAfterMs", Math.Round(healedAfter.TotalMilliseconds))
            .Add("all", all)
            .Add("beforeKill", Counts.Between(samples, TimeSpan.Zero, killedAt))
            .Add("whileHealing", healing)
            .Add("afterHeal", Counts.Between(samples, healedAt, LoadTime))
            .Add("survivorPeerErrors", await a.StatAsync("peerErrors") + await b.StatAsync("peerErrors"))
            .Write();

        Assert.Equal(0, all.Wrong);
        Assert.True(healing.Sent > 0, "no request ran while the ring healed");

        // A dead peer refuses connections at once: the survivors load its keys themselves, so no
        // request fails, before, during or after the heal.
        Assert.Equal(0, all.Failed);
        Assert.False(a.Process.HasExited || b.Process.HasExited, cluster.Describe());
    }
}
