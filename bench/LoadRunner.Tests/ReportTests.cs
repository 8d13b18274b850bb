using System.Text.Json;
using System.Xml.Linq;
using LoadRunner.Infrastructure;
using LoadRunner.Reporting;
using LoadRunner.Wrk;

namespace LoadRunner.Tests;

public class ReportTests
{
    [Fact]
    public void SvgChart_Render_WellFormedWithABarPerSystemAndScenario()
    {
        Measurement[] all =
        [
            new("hit-uniform", "ours", 1) { RequestsPerSecond = 80_000, P99Ms = 2 },
            new("hit-uniform", "go", 1) { RequestsPerSecond = 70_000, P99Ms = 6 },
            new("ceiling", "kestrel", 1) { RequestsPerSecond = 90_000, P99Ms = 2 },
            new("peer", "ours", 1) { RequestsPerSecond = 20_000, P99Ms = 5 },
            new("peer", "go", 1) { RequestsPerSecond = 8_000, P99Ms = 20 },
        ];

        var svg = XDocument.Parse(SvgChart.Render(all, "test & <machine>"));

        XNamespace ns = "http://www.w3.org/2000/svg";
        var bars = svg.Descendants(ns + "rect").Where(r => r.Element(ns + "title") is not null).ToList();
        // Two panels x (hit: ours, go, ceiling + peer: ours, go).
        Assert.Equal(10, bars.Count);
        Assert.Contains(svg.Descendants(ns + "text"), t => t.Value == "test & <machine>");
    }

    [Fact]
    public void TableWriter_Markdown_OneLinePerRowAndMissedMarked()
    {
        var rows = new List<SummaryRow> { new("peer", "req/s") { Ours = 1000, Go = 2000, Target = "t", Met = false } };

        string[] lines = TableWriter.Markdown(rows).Trim().Split('\n');

        Assert.Equal(3, lines.Length);
        Assert.Contains("0.50x", lines[2]);
        Assert.Contains("**no**", lines[2]);
    }

    [Fact]
    public void WrkResult_FromScriptLine_RateOverDuration()
    {
        const string line = """{"requests":1000,"duration_us":500000,"bytes":1,"connect_errors":1,"read_errors":0,"write_errors":0,"status_errors":2,"timeouts":0,"fresh_sent":0,"latency_us":{"min":1,"mean":2.5,"stdev":1,"max":9,"p50":2,"p75":3,"p90":4,"p99":1500,"p999":8}}""";

        var wrk = JsonSerializer.Deserialize<WrkResult>(line)!;
        var m = Measurement.FromWrk("hit-uniform", "ours", 1, wrk);

        Assert.Equal(2000, wrk.RequestsPerSecond);
        Assert.Equal(3, wrk.Errors);
        Assert.Equal(1.5, m.P99Ms);
    }

    [Fact]
    public void JsonPath_DifferentCase_Found()
    {
        using var doc = JsonDocument.Parse("""{"group":{"stats":{"localLoads":7}},"MainCache":{"Items":3}}""");

        Assert.Equal(7, JsonPath.Long(doc.RootElement, "Group", "Stats", "LocalLoads"));
        Assert.Equal(3, JsonPath.Long(doc.RootElement, "mainCache", "items"));
        Assert.False(JsonPath.TryLong(doc.RootElement, out _, "group", "nothing"));
    }
}
