using System.Globalization;
using System.Text;
using LoadRunner.Scenarios;

namespace LoadRunner.Reporting;

/// <summary>
/// The scaling scenario's table: per cache size, memory, GC pauses and hit and miss figures, ours
/// beside Go, checked against the issue's targets (miss >= 1.4x Go's req/s at every size, miss p99
/// <= 1.0x Go's up to 1M entries and <= 1.5x above, longest GC pause <= 5 ms from 5M entries,
/// <= 150 bytes of overhead per entry from 1M entries).
/// </summary>
public static class ScalingSummary
{
    public const double MissRateTarget = 1.4;
    public const double MaxPauseMsTarget = 5;
    public const double OverheadTarget = 150;

    public static List<ScalingRow> Rows(IReadOnlyList<Measurement> all)
    {
        var rows = new List<ScalingRow>();
        var sizes = all.Where(m => m.Scenario.StartsWith("scaling-", StringComparison.Ordinal) && m.Extra.ContainsKey("entries"))
            .Select(m => (long)m.Extra["entries"]).Distinct().Order();
        foreach (long n in sizes)
        {
            double? Pick(string scenario, string system, Func<Measurement, double> pick) =>
                all.Where(m => m.Scenario == scenario && m.System == system && m.Extra.GetValueOrDefault("entries") == n)
                    .Select(pick).Where(v => !double.IsNaN(v)).Select(v => (double?)v).FirstOrDefault();
            double Extra(Measurement m, string name) => m.Extra.GetValueOrDefault(name, double.NaN);
            ScalingRow Row(string metric, string scenario, Func<Measurement, double> pick) =>
                new(n, metric) { Ours = Pick(scenario, "ours", pick), Go = Pick(scenario, "go", pick) };

            rows.Add(Row("RSS bytes per entry", "scaling-hit", m => Extra(m, "rss_bytes_per_entry")));
            var overhead = Row("overhead bytes per entry", "scaling-hit", m => Extra(m, "bytes_per_entry_overhead"));
            rows.Add(n >= 1_000_000
                ? overhead with { Target = $"ours <= {OverheadTarget:0} B", Met = overhead.Ours is { } o ? o <= OverheadTarget : null }
                : overhead);
            var hitPause = Row("GC longest pause ms (hits)", "scaling-hit", m => Extra(m, "gc_pause_max_ms"));
            var missPause = Row("GC longest pause ms (misses)", "scaling-miss", m => Extra(m, "gc_pause_max_ms"));
            foreach (var pause in new[] { hitPause, missPause })
            {
                rows.Add(n >= 5_000_000
                    ? pause with { Target = $"ours <= {MaxPauseMsTarget:0} ms", Met = pause.Ours is { } p ? p <= MaxPauseMsTarget : null }
                    : pause);
            }

            rows.Add(Row("GC pause ms per 10 s (hits)", "scaling-hit", m => Extra(m, "gc_pause_total_ms_per_10s")));
            rows.Add(Row("GC pause ms per 10 s (misses)", "scaling-miss", m => Extra(m, "gc_pause_total_ms_per_10s")));
            rows.Add(Row("hit req/s", "scaling-hit", m => m.RequestsPerSecond));
            rows.Add(Row("hit p99 ms", "scaling-hit", m => m.P99Ms));
            var missRate = Row("miss req/s", "scaling-miss", m => m.RequestsPerSecond);
            rows.Add(missRate with { Target = $"ours >= {MissRateTarget:0.0}x Go", Met = missRate.Ratio is { } r ? r >= MissRateTarget : null });
            double p99Target = n <= 1_000_000 ? 1.0 : 1.5;
            var missP99 = Row("miss p99 ms", "scaling-miss", m => m.P99Ms);
            rows.Add(missP99 with { Target = $"ours <= {p99Target:0.0}x Go", Met = missP99.Ratio is { } q ? q <= p99Target : null });
        }

        return rows;
    }

    public static string Markdown(IReadOnlyList<ScalingRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| entries | metric | ours | Go | ours / Go | target | met? |");
        sb.AppendLine("|---:|---|---:|---:|---:|---|---|");
        foreach (var r in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {ScalingScenario.Label(r.Entries)} | {r.Metric} | {Num(r.Ours)} | {Num(r.Go)} | {(r.Ratio is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "–")} | {r.Target} | {r.Met switch { true => "yes", false => "**no**", null => "–" }} |");
        }

        return sb.ToString();
    }

    private static string Num(double? v) => v switch
    {
        null => "–",
        { } x when Math.Abs(x) >= 1000 => x.ToString("N0", CultureInfo.InvariantCulture),
        { } x => x.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
