using System.Globalization;
using System.Security;
using System.Text;

namespace LoadRunner.Reporting;

/// <summary>
/// A two-panel bar chart, written as SVG text: throughput and p99 latency per scenario, ours beside Go
/// (and the bare-Kestrel ceiling beside the hit scenarios).
/// </summary>
public static class SvgChart
{
    private const int PanelWidth = 460;
    private const int PanelHeight = 300;
    private const int Left = 60;
    private const int Top = 75;
    private const int Bottom = 60;

    private static readonly (string System, string Label, string Color)[] Series =
    [
        ("ours", "GroupCache.NET", "#3b6fb6"),
        ("go", "golang/groupcache", "#e08a2e"),
        ("go-tuned", "Go, tuned peer transport", "#b5651d"),
        ("kestrel", "bare Kestrel ceiling", "#9a9a9a"),
        ("aot", "GroupCache.NET Native AOT", "#5aa469"),
    ];

    public static string Render(IReadOnlyList<Measurement> all, string subtitle)
    {
        string[] scenarios = [.. new[] { "hit-uniform", "hit-zipf", "peer", "miss" }.Where(s => all.Any(m => m.Scenario == s))];
        var sb = new StringBuilder();
        int width = (2 * PanelWidth) + 40;
        int height = Top + PanelHeight + Bottom + 30;
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">""");
        sb.AppendLine($"""<rect width="100%" height="100%" fill="white"/>""");
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">GroupCache.NET vs golang/groupcache (wrk, loopback)</text>""");
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{width / 2}" y="37" text-anchor="middle" fill="#555">{SecurityElement.Escape(subtitle)}</text>""");

        Panel(sb, 0, "Throughput (req/s, higher is better)", scenarios, all, m => m.RequestsPerSecond, includeCeiling: true);
        Panel(sb, PanelWidth + 40, "p99 latency (ms, lower is better)", scenarios, all, m => m.P99Ms, includeCeiling: true);

        int lx = Left;
        int ly = Top + PanelHeight + Bottom;
        foreach (var (_, label, color) in Series.Where(se => all.Any(m => m.System == se.System)))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{lx}" y="{ly}" width="12" height="12" fill="{color}"/><text x="{lx + 16}" y="{ly + 10}">{label}</text>""");
            lx += 190;
        }

        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    private static void Panel(StringBuilder sb, int x0, string title, string[] scenarios, IReadOnlyList<Measurement> all,
        Func<Measurement, double> pick, bool includeCeiling)
    {
        double Value(string scenario, string system)
        {
            // The ceiling is measured once per round, with the hit scenario's key selection.
            string source = system == "kestrel" ? "ceiling" : scenario;
            var values = all.Where(m => m.Scenario == source && m.System == system).Select(pick).ToList();
            return values.Count == 0 ? double.NaN : values.Average();
        }

        bool Shows(string scenario, string system) =>
            (system != "kestrel" || (includeCeiling && scenario.StartsWith("hit", StringComparison.Ordinal)))
            && all.Any(m => m.System == system && (system == "kestrel" || m.Scenario == scenario));

        double max = scenarios.SelectMany(s => Series.Where(se => Shows(s, se.System)).Select(se => Value(s, se.System)))
            .Where(v => !double.IsNaN(v)).DefaultIfEmpty(1).Max();
        double scaleMax = NiceCeiling(max);
        int plotW = PanelWidth - Left - 10;
        int xAxis = x0 + Left;
        int yBase = Top + PanelHeight;

        sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{xAxis + (plotW / 2)}" y="{Top - 14}" text-anchor="middle" font-weight="bold">{title}</text>""");
        for (int t = 0; t <= 5; t++)
        {
            double v = scaleMax * t / 5;
            double y = yBase - (PanelHeight - 20) * t / 5.0;
            sb.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{xAxis}" y1="{y:0.#}" x2="{xAxis + plotW}" y2="{y:0.#}" stroke="#e4e4e4"/>""");
            sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{xAxis - 6}" y="{y + 4:0.#}" text-anchor="end" fill="#555">{Short(v)}</text>""");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{xAxis}" y1="{yBase}" x2="{xAxis + plotW}" y2="{yBase}" stroke="#333"/>""");
        double groupW = plotW / (double)Math.Max(1, scenarios.Length);
        for (int i = 0; i < scenarios.Length; i++)
        {
            string s = scenarios[i];
            var shown = Series.Where(se => Shows(s, se.System)).ToArray();
            double barW = Math.Min(34, (groupW - 16) / shown.Length);
            double start = xAxis + (i * groupW) + ((groupW - (barW * shown.Length)) / 2);
            for (int j = 0; j < shown.Length; j++)
            {
                double v = Value(s, shown[j].System);
                if (double.IsNaN(v))
                {
                    continue;
                }

                double h = (PanelHeight - 20) * v / scaleMax;
                double bx = start + (j * barW);
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"""<rect x="{bx:0.#}" y="{yBase - h:0.#}" width="{barW - 2:0.#}" height="{h:0.#}" fill="{shown[j].Color}"><title>{shown[j].Label} {s}: {v:0.##}</title></rect>""");
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"""<text x="{bx + ((barW - 2) / 2):0.#}" y="{yBase - h - 3:0.#}" text-anchor="middle" font-size="9" fill="#333">{Short(v)}</text>""");
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{xAxis + (i * groupW) + (groupW / 2):0.#}" y="{yBase + 16}" text-anchor="middle">{s}</text>""");
        }
    }

    private static double NiceCeiling(double v)
    {
        if (v <= 0)
        {
            return 1;
        }

        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(v)));
        foreach (double step in new[] { 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 })
        {
            if (step * magnitude >= v * 1.05)
            {
                return step * magnitude;
            }
        }

        return 10 * magnitude;
    }

    private static string Short(double v) => v switch
    {
        >= 1_000_000 => (v / 1_000_000).ToString("0.#", CultureInfo.InvariantCulture) + "M",
        >= 10_000 => (v / 1000).ToString("0", CultureInfo.InvariantCulture) + "k",
        >= 1000 => (v / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        >= 10 => v.ToString("0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
