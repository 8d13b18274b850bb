using LoadRunner.Infrastructure;
using LoadRunner.Reporting;
using LoadRunner.Scenarios;
using LoadRunner.Systems;

namespace LoadRunner.Tests;

/// <summary>The peer scenario's two Go anchors: groupcache's default transport and one tuned to wrk's connections.</summary>
public class PeerAnchorTests
{
    private static Measurement Peer(string system, double rps, double p99) =>
        new("peer", system, 1) { RequestsPerSecond = rps, P99Ms = p99 };

    [Fact]
    public void WithTunedGo_GoInTheList_TunedGoFollowsItWithWrksConnections()
    {
        var paths = new RepoPaths("/repo");
        ICacheSystem[] systems = [new OurSystem(paths, "http://127.0.0.1:1", "/tmp", new Dictionary<string, string>()), new GoSystem(paths, "http://127.0.0.1:1", "/tmp")];

        var run = PeerScenario.WithTunedGo(systems, 64).ToList();

        Assert.Equal(["ours", "go", "go-tuned"], run.Select(s => s.Name));
        Assert.Null(((GoSystem)run[1]).PeerIdleConns);
        Assert.Equal(64, ((GoSystem)run[2]).PeerIdleConns);
    }

    [Fact]
    public void WithTunedGo_NoGo_Unchanged()
    {
        var paths = new RepoPaths("/repo");
        ICacheSystem[] systems = [new OurSystem(paths, "http://127.0.0.1:1", "/tmp", new Dictionary<string, string>())];

        Assert.Equal(["ours"], PeerScenario.WithTunedGo(systems, 64).Select(s => s.Name));
    }

    [Fact]
    public void Summarize_PeerAgainstBothGos_OneRowEachWithItsOwnTarget()
    {
        var tuned = Peer("go-tuned", 10_000, 10.0);
        tuned.Extra["go_peer_idle_conns"] = 64;

        var rows = Summarizer.Summarize([Peer("ours", 25_000, 2.5), Peer("go", 8_000, 20.0), tuned]);

        var vsDefault = Assert.Single(rows, r => r.Scenario == "peer");
        Assert.Equal(25_000 / 8_000.0, vsDefault.Ratio!.Value, 6);
        Assert.True(vsDefault.Met); // 3.1x >= 2.5x, p99 0.125x <= 0.3x
        var vsTuned = Assert.Single(rows, r => r.Scenario == "peer vs tuned Go");
        Assert.Equal(2.5, vsTuned.Ratio!.Value, 6);
        Assert.Equal(0.25, vsTuned.P99Ratio!.Value, 6);
        Assert.Equal("req/s >= 2.0x, p99 <= 0.3x", vsTuned.Target);
        Assert.True(vsTuned.Met);
        Assert.Contains("MaxIdleConnsPerHost = 64", vsTuned.Note);
    }

    [Fact]
    public void Summarize_TunedGoCloseBehind_TunedTargetMissed()
    {
        var rows = Summarizer.Summarize([Peer("ours", 23_300, 6.4), Peer("go", 7_800, 22.0), Peer("go-tuned", 14_400, 13.2)]);

        var vsTuned = Assert.Single(rows, r => r.Scenario == "peer vs tuned Go");
        Assert.False(vsTuned.Met); // 1.6x < 2.0x
    }

    [Fact]
    public void Summarize_NoTunedGo_NoTunedRow()
    {
        var rows = Summarizer.Summarize([Peer("ours", 25_000, 2.5), Peer("go", 8_000, 20.0)]);

        Assert.DoesNotContain(rows, r => r.Scenario == "peer vs tuned Go");
    }
}
