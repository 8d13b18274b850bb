namespace LoadRunner.Reporting;

/// <summary>Turns measurements into the side-by-side rows, each mean over rounds, with the targets.</summary>
public static class Summarizer
{
    /// <summary>
    /// Live heap per entry of tests/GoPeer's per-key load counter (a map[string]int64 whose keys share
    /// the cache's strings), measured with a standalone Go 1.19 program over one million 8-byte keys:
    /// instrumentation in the Go reference node, not part of golang/groupcache.
    /// </summary>
    public const double GoPeerLoadCounterBytes = 58;

    /// <summary>The Go system whose peer transport keeps one idle connection per wrk connection.</summary>
    private const string GoTuned = "go-tuned";

    /// <summary>
    /// True when other processes kept at most <paramref name="percent"/> of the CPU busy both just
    /// before and during the measurement (measurements without those figures count as quiet).
    /// </summary>
    public static bool IsQuiet(Measurement m, double percent) =>
        m.Extra.GetValueOrDefault("foreign_busy_pct_before", 0) <= percent
        && m.Extra.GetValueOrDefault("foreign_busy_pct_during", 0) <= percent;

    public static List<SummaryRow> Summarize(IReadOnlyList<Measurement> all)
    {
        var rows = new List<SummaryRow>();
        double? ceiling = Mean(all, "ceiling", "kestrel", m => m.RequestsPerSecond);
        if (ceiling is not null)
        {
            rows.Add(new SummaryRow("ceiling (bare Kestrel)", "req/s")
            {
                Ours = ceiling,
                OursP99Ms = Mean(all, "ceiling", "kestrel", m => m.P99Ms),
                Note = "fixed 40-byte body, same route shape",
            });
        }

        foreach (string scenario in new[] { "hit-uniform", "hit-zipf" })
        {
            if (Rate(all, scenario, 1.2, 0.5) is { } row)
            {
                rows.Add(row);
                if (ceiling is { } c && row.Ours is { } ours)
                {
                    rows.Add(new SummaryRow($"{scenario} vs ceiling", "req/s")
                    {
                        Ours = ours,
                        Go = c,
                        Target = "ours >= 0.90x ceiling",
                        Met = ours >= 0.9 * c,
                        Note = "the Go column holds the ceiling",
                    });
                }
            }
        }

        if (Rate(all, "peer", 2.5, 0.3) is { } peer)
        {
            rows.Add(peer with { Note = Join("Go's default transport: 2 idle connections per peer", peer.Note) });
        }

        // The strongest Go anchor: its peer transport keeps one idle connection per wrk connection.
        if (Rate(all, "peer", 2.0, 0.3, GoTuned) is { } tuned && tuned.Go is not null)
        {
            rows.Add(tuned with
            {
                Scenario = "peer vs tuned Go",
                Note = Join(TunedNote(all), tuned.Note),
            });
        }

        if (Rate(all, "miss", 1.0, null) is { } miss)
        {
            rows.Add(miss);
        }

        double? oursStorm = Max(all, "storm", "ours", "source_loads_max");
        double? goStorm = Max(all, "storm", "go", "source_loads_max");
        if (oursStorm is not null || goStorm is not null)
        {
            rows.Add(new SummaryRow("storm", "source loads per storm (max)")
            {
                Ours = oursStorm,
                Go = goStorm,
                Target = "ours = 1",
                Met = oursStorm is null ? null : oursStorm == 1,
                Note = "500 concurrent requests, one cold key, three nodes",
            });
        }

        double? oursMem = Mean(all, "memory", "ours", m => m.Extra.GetValueOrDefault("bytes_per_entry_overhead", double.NaN));
        double? goMem = Mean(all, "memory", "go", m => m.Extra.GetValueOrDefault("bytes_per_entry_overhead", double.NaN));
        if (oursMem is not null || goMem is not null)
        {
            rows.Add(new SummaryRow("memory", "overhead bytes per entry")
            {
                Ours = oursMem,
                Go = goMem,
                Target = "ratio <= 1.2",
                Met = oursMem is { } o && goMem is { } g ? o <= 1.2 * g : null,
                Note = "(RSS after - before) / N - 100 - key length",
            });
            if (oursMem is { } om && goMem is { } gm)
            {
                double adjusted = gm - GoPeerLoadCounterBytes;
                rows.Add(new SummaryRow("memory, Go less gopeer's load counter", "overhead bytes per entry")
                {
                    Ours = om,
                    Go = adjusted,
                    Target = "ratio <= 1.2",
                    Met = om <= 1.2 * adjusted,
                    Note = $"gopeer counts loads per key in a map[string]int64 (~{GoPeerLoadCounterBytes} B/entry live heap): not groupcache's cost",
                });
            }

            rows.Add(new SummaryRow("memory", "RSS after, MB")
            {
                Ours = Mean(all, "memory", "ours", m => m.Extra.GetValueOrDefault("rss_after_mb", double.NaN)),
                Go = Mean(all, "memory", "go", m => m.Extra.GetValueOrDefault("rss_after_mb", double.NaN)),
            });
        }

        double? oursStart = Mean(all, "hit-uniform", "ours", m => m.Extra.GetValueOrDefault("startup_ms", double.NaN));
        double? goStart = Mean(all, "hit-uniform", "go", m => m.Extra.GetValueOrDefault("startup_ms", double.NaN));
        if (oursStart is not null || goStart is not null)
        {
            rows.Add(new SummaryRow("start-up", "ms to first healthy answer") { Ours = oursStart, Go = goStart, Note = "from process start, polled every 20 ms" });
            rows.Add(new SummaryRow("start-up", "RSS when healthy, MB")
            {
                Ours = Mean(all, "hit-uniform", "ours", m => m.Extra.GetValueOrDefault("rss_start_mb", double.NaN)),
                Go = Mean(all, "hit-uniform", "go", m => m.Extra.GetValueOrDefault("rss_start_mb", double.NaN)),
            });
        }

        return rows;
    }

    /// <summary>Native AOT beside the JIT build of the same CacheApp, when the run included "aot".</summary>
    public static List<AotRow> CompareAot(IReadOnlyList<Measurement> all)
    {
        var rows = new List<AotRow>();
        if (!all.Any(m => m.System == "aot"))
        {
            return rows;
        }

        void Add(string metric, string scenario, Func<Measurement, double> pick)
        {
            double? jit = Mean(all, scenario, "ours", pick);
            double? aot = Mean(all, scenario, "aot", pick);
            if (jit is not null || aot is not null)
            {
                rows.Add(new AotRow(metric, jit, aot));
            }
        }

        double Extra(Measurement m, string name) => m.Extra.GetValueOrDefault(name, double.NaN);
        Add("start-up, ms to first healthy answer", "hit-uniform", m => Extra(m, "startup_ms"));
        Add("RSS when healthy, MB", "hit-uniform", m => Extra(m, "rss_start_mb"));
        Add("hit-uniform req/s", "hit-uniform", m => m.RequestsPerSecond);
        Add("hit-uniform p99 ms", "hit-uniform", m => m.P99Ms);
        Add("hit-zipf req/s", "hit-zipf", m => m.RequestsPerSecond);
        Add("peer req/s", "peer", m => m.RequestsPerSecond);
        Add("peer p99 ms", "peer", m => m.P99Ms);
        Add("miss req/s", "miss", m => m.RequestsPerSecond);
        Add("memory: overhead bytes per entry", "memory", m => Extra(m, "bytes_per_entry_overhead"));
        Add("memory: RSS after, MB", "memory", m => Extra(m, "rss_after_mb"));
        return rows;
    }

    private static string Join(string a, string b) => a.Length == 0 ? b : b.Length == 0 ? a : $"{a}; {b}";

    private static string TunedNote(IReadOnlyList<Measurement> all)
    {
        var idle = all.Where(m => m.Scenario == "peer" && m.System == GoTuned && m.Extra.ContainsKey("go_peer_idle_conns"))
            .Select(m => m.Extra["go_peer_idle_conns"]).Distinct().ToList();
        return idle.Count == 1 ? $"Go's MaxIdleConnsPerHost = {idle[0]:0} (wrk's connections)" : "Go's MaxIdleConnsPerHost = wrk's connections";
    }

    private static SummaryRow? Rate(IReadOnlyList<Measurement> all, string scenario, double rateTarget, double? p99Target, string goSystem = "go")
    {
        double? ours = Mean(all, scenario, "ours", m => m.RequestsPerSecond);
        double? go = Mean(all, scenario, goSystem, m => m.RequestsPerSecond);
        if (ours is null && go is null)
        {
            return null;
        }

        var row = new SummaryRow(scenario, "req/s")
        {
            Ours = ours,
            Go = go,
            OursP99Ms = Mean(all, scenario, "ours", m => m.P99Ms),
            GoP99Ms = Mean(all, scenario, goSystem, m => m.P99Ms),
            Target = p99Target is { } p ? $"req/s >= {rateTarget:0.0#}x, p99 <= {p:0.0#}x" : $"req/s >= {rateTarget:0.0#}x",
        };
        bool? met = row.Ratio is not { } r ? null
            : p99Target is not { } pt ? r >= rateTarget
            : row.P99Ratio is { } pr ? r >= rateTarget && pr <= pt : null;
        long errors = all.Where(m => m.Scenario == scenario && (m.System == "ours" || m.System == goSystem)).Sum(m => m.Errors);
        return row with { Met = met, Note = errors > 0 ? $"{errors} errors (see JSON)" : "" };
    }

    private static double? Mean(IReadOnlyList<Measurement> all, string scenario, string system, Func<Measurement, double> pick)
    {
        var values = all.Where(m => m.Scenario == scenario && m.System == system).Select(pick).Where(v => !double.IsNaN(v)).ToList();
        return values.Count == 0 ? null : values.Average();
    }

    private static double? Max(IReadOnlyList<Measurement> all, string scenario, string system, string extra)
    {
        var values = all.Where(m => m.Scenario == scenario && m.System == system && m.Extra.ContainsKey(extra)).Select(m => m.Extra[extra]).ToList();
        return values.Count == 0 ? null : values.Max();
    }
}
