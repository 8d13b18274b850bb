using LoadRunner.Reporting;

namespace LoadRunner.Tests;

public class SummarizerTests
{
    private static Measurement Rate(string scenario, string system, int round, double rps, double p99) =>
        new(scenario, system, round) { RequestsPerSecond = rps, P99Ms = p99 };

    [Fact]
    public void Summarize_TwoRounds_MeanOfRoundsAndRatios()
    {
        var rows = Summarizer.Summarize(
        [
            Rate("hit-uniform", "ours", 1, 100_000, 1.0),
            Rate("hit-uniform", "ours", 2, 80_000, 3.0),
            Rate("hit-uniform", "go", 1, 70_000, 6.0),
            Rate("hit-uniform", "go", 2, 70_000, 4.0),
        ]);

        var hit = Assert.Single(rows, r => r.Scenario == "hit-uniform");
        Assert.Equal(90_000, hit.Ours);
        Assert.Equal(2.0, hit.OursP99Ms);
        Assert.Equal(90_000 / 70_000.0, hit.Ratio!.Value, 6);
        Assert.Equal(0.4, hit.P99Ratio!.Value, 6);
        Assert.True(hit.Met);
    }

    [Fact]
    public void Summarize_P99TooHigh_TargetMissed()
    {
        var rows = Summarizer.Summarize([Rate("peer", "ours", 1, 30_000, 3.0), Rate("peer", "go", 1, 10_000, 6.0)]);

        var peer = Assert.Single(rows, r => r.Scenario == "peer");
        Assert.Equal(3.0, peer.Ratio);
        Assert.False(peer.Met); // p99 ratio 0.5 > 0.3
    }

    [Fact]
    public void Summarize_WithCeiling_AddsCeilingComparison()
    {
        var rows = Summarizer.Summarize(
        [
            Rate("ceiling", "kestrel", 1, 100_000, 2.0),
            Rate("hit-uniform", "ours", 1, 89_000, 1.0),
            Rate("hit-uniform", "go", 1, 70_000, 6.0),
        ]);

        var vsCeiling = Assert.Single(rows, r => r.Scenario == "hit-uniform vs ceiling");
        Assert.False(vsCeiling.Met); // 0.89 < 0.90
    }

    [Fact]
    public void Summarize_StormAboveOne_Missed()
    {
        var ours = new Measurement("storm", "ours", 1);
        ours.Extra["source_loads_max"] = 2;
        var go = new Measurement("storm", "go", 1);
        go.Extra["source_loads_max"] = 1;

        var storm = Assert.Single(Summarizer.Summarize([ours, go]), r => r.Scenario == "storm");

        Assert.False(storm.Met);
    }

    [Fact]
    public void CompareAot_NoAotMeasurements_Empty()
    {
        Assert.Empty(Summarizer.CompareAot([Rate("hit-uniform", "ours", 1, 1, 1)]));
    }
}
