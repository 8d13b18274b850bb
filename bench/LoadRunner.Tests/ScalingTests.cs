using System.Xml.Linq;
using LoadRunner.Infrastructure;
using LoadRunner.Reporting;
using LoadRunner.Scenarios;

namespace LoadRunner.Tests;

/// <summary>The scaling scenario's options, keys, GC trace parsing, summary and chart.</summary>
public class ScalingTests
{
    private static Measurement Scaling(string kind, string system, long entries, double rps, double p99, params (string Name, double Value)[] extra)
    {
        var m = new Measurement("scaling-" + kind, system, 1) { RequestsPerSecond = rps, P99Ms = p99 };
        m.Extra["entries"] = entries;
        foreach (var (name, value) in extra)
        {
            m.Extra[name] = value;
        }

        return m;
    }

    [Fact]
    public void Parse_Default_ScalingNotRunAndSizesAreTheIssues()
    {
        var o = RunnerOptions.Parse([]);

        Assert.DoesNotContain("scaling", o.Scenarios);
        Assert.Equal([100_000L, 1_000_000L, 5_000_000L], o.ScalingSizes);
    }

    [Fact]
    public void Parse_QuickWithScaling_SmallSizes()
    {
        var o = RunnerOptions.Parse(["--quick", "--scenarios", "scaling"]);

        Assert.Equal(["scaling"], o.Scenarios);
        Assert.Equal([20_000L, 100_000L], o.ScalingSizes);
    }

    [Fact]
    public void Parse_ScalingSizesWithSuffixes_SortedAndDistinct()
    {
        var o = RunnerOptions.Parse(["--scaling-sizes", "5M, 100k,2.5M,250000,100K"]);

        Assert.Equal([100_000L, 250_000L, 2_500_000L, 5_000_000L], o.ScalingSizes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("1.5k5")]
    [InlineData("0.0001M")]
    [InlineData("100M")]
    [InlineData("-1M")]
    [InlineData("lots")]
    public void Parse_BadScalingSizes_Throws(string sizes)
    {
        Assert.Throws<ArgumentException>(() => RunnerOptions.Parse(["--scaling-sizes", sizes]));
    }

    [Fact]
    public void Key_AnyIndex_TwentyBytes()
    {
        Assert.Equal(20, ScalingScenario.KeyLength);
        Assert.Equal(20, ScalingScenario.Key(0).Length);
        Assert.Equal("scaling-key-04999999", ScalingScenario.Key(4_999_999));
    }

    [Fact]
    public void SampleIndexes_LargeCache_DistinctAndInRange()
    {
        long[] sample = ScalingScenario.SampleIndexes(5_000_000, 1000, seed: 3);

        Assert.Equal(1000, sample.Distinct().Count());
        Assert.All(sample, i => Assert.InRange(i, 0, 4_999_999));
        Assert.Contains(sample, i => i > 2_500_000); // spread over the whole range, not its start
    }

    [Fact]
    public void SampleIndexes_SmallCache_Everything()
    {
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), ScalingScenario.SampleIndexes(50, 1000, seed: 3).Order());
    }

    [Theory]
    [InlineData("gc 12 @3.456s 4%: 0.021+1.5+0.034 ms clock, 0.085+0.40/1.1/2.3+0.13 ms cpu, 45->46->23 MB, 47 MB goal, 2 P", 0.055)]
    [InlineData("gc 1 @0.004s 1%: 2+0.12+3 ms clock, 0.01+0/0.1/0+0.01 ms cpu, 4->4->0 MB, 5 MB goal, 2 P", 5)]
    public void GoGcTrace_TraceLine_PauseIsTheTwoStopTheWorldPhases(string line, double pauseMs)
    {
        Assert.Equal(pauseMs, GoGcTrace.PauseMs(line)!.Value, 6);
    }

    [Theory]
    [InlineData("gopeer ready self=http://127.0.0.1:1 api=127.0.0.1:2")]
    [InlineData("scvg: 0 MB released")]
    [InlineData("")]
    public void GoGcTrace_OtherLine_Null(string line)
    {
        Assert.Null(GoGcTrace.PauseMs(line));
    }

    [Fact]
    public void GoGcTrace_Between_OnlyPausesInTheWindow()
    {
        var trace = new GoGcTrace();
        trace.OnLine("gc 1 @0.1s 1%: 1+0+1 ms clock, x");
        long from = System.Diagnostics.Stopwatch.GetTimestamp();
        trace.OnLine("gc 2 @0.2s 1%: 3+0+1 ms clock, x");
        trace.OnLine("gc 3 @0.3s 1%: 0.5+0+0.5 ms clock, x");
        long to = System.Diagnostics.Stopwatch.GetTimestamp();
        trace.OnLine("gc 4 @0.4s 1%: 9+0+9 ms clock, x");

        var (total, max, count) = trace.Between(from, to);

        Assert.Equal(5, total, 6);
        Assert.Equal(4, max, 6);
        Assert.Equal(2, count);
    }

    [Fact]
    public void Rows_TwoSizes_TargetsAsTheIssueSetsThem()
    {
        Measurement[] all =
        [
            Scaling("hit", "ours", 1_000_000, 90_000, 1.0, ("bytes_per_entry_overhead", 140), ("rss_bytes_per_entry", 260), ("gc_pause_max_ms", 2)),
            Scaling("hit", "go", 1_000_000, 70_000, 2.0, ("bytes_per_entry_overhead", 500), ("rss_bytes_per_entry", 620), ("gc_pause_max_ms", 1)),
            Scaling("miss", "ours", 1_000_000, 30_000, 3.0, ("gc_pause_max_ms", 3)),
            Scaling("miss", "go", 1_000_000, 20_000, 3.3),
            Scaling("hit", "ours", 5_000_000, 80_000, 1.5, ("bytes_per_entry_overhead", 160), ("gc_pause_max_ms", 7)),
            Scaling("hit", "go", 5_000_000, 60_000, 3.0, ("bytes_per_entry_overhead", 520)),
            Scaling("miss", "ours", 5_000_000, 27_000, 4.4, ("gc_pause_max_ms", 4)),
            Scaling("miss", "go", 5_000_000, 20_000, 3.0),
        ];

        var rows = ScalingSummary.Rows(all);

        ScalingRow Row(long n, string metric) => Assert.Single(rows, r => r.Entries == n && r.Metric == metric);
        Assert.True(Row(1_000_000, "overhead bytes per entry").Met);
        Assert.False(Row(5_000_000, "overhead bytes per entry").Met);
        Assert.Equal(1.5, Row(1_000_000, "miss req/s").Ratio!.Value, 6);
        Assert.True(Row(1_000_000, "miss req/s").Met);
        Assert.True(Row(1_000_000, "miss p99 ms").Met); // 0.91x <= 1.0x
        Assert.False(Row(5_000_000, "miss req/s").Met); // 1.35x < 1.4x
        Assert.True(Row(5_000_000, "miss p99 ms").Met); // 1.47x <= 1.5x above 1M
        Assert.Null(Row(1_000_000, "GC longest pause ms (hits)").Met); // the pause target starts at 5M
        Assert.False(Row(5_000_000, "GC longest pause ms (hits)").Met);
        Assert.True(Row(5_000_000, "GC longest pause ms (misses)").Met);
        Assert.Equal(260, Row(1_000_000, "RSS bytes per entry").Ours);
        Assert.Equal(rows.Count + 2, ScalingSummary.Markdown(rows).Trim().Split('\n').Length);
    }

    [Fact]
    public void Chart_TwoSizesTwoSystems_FourPanelsOfBars()
    {
        Measurement[] all =
        [
            Scaling("hit", "ours", 100_000, 90_000, 1.0, ("bytes_per_entry_overhead", 140), ("gc_pause_max_ms", 2)),
            Scaling("hit", "go", 100_000, 70_000, 2.0, ("bytes_per_entry_overhead", 500), ("gc_pause_max_ms", 1)),
            Scaling("miss", "ours", 100_000, 30_000, 3.0),
            Scaling("miss", "go", 100_000, 20_000, 3.3),
            Scaling("hit", "ours", 1_000_000, 90_000, 1.0, ("bytes_per_entry_overhead", 150), ("gc_pause_max_ms", 2)),
            Scaling("hit", "go", 1_000_000, 70_000, 2.0, ("bytes_per_entry_overhead", 510), ("gc_pause_max_ms", 1)),
            Scaling("miss", "ours", 1_000_000, 30_000, 3.0),
            Scaling("miss", "go", 1_000_000, 20_000, 3.3),
        ];

        var svg = XDocument.Parse(ScalingChart.Render(all, "box & <date>"));

        XNamespace ns = "http://www.w3.org/2000/svg";
        var bars = svg.Descendants(ns + "rect").Where(r => r.Element(ns + "title") is not null).ToList();
        Assert.Equal(4 * 2 * 2, bars.Count); // 4 panels x 2 sizes x 2 systems
        Assert.Contains(bars, b => b.Element(ns + "title")!.Value == "golang/groupcache at 1M entries: 510");
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "box & <date>");
    }
}
