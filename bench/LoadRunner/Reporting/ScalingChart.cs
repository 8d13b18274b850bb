using System.Globalization;
using System.Security;
using System.Text;
using LoadRunner.Scenarios;

namespace LoadRunner.Reporting;

/// <summary>
/// The scaling scenario as SVG: four panels (overhead bytes per entry, longest GC pause, hit p99,
/// miss p99), each with one group of bars per cache size and one bar per system.
/// </summary>
public static class ScalingChart
{
    private const int PanelWidth = 440;
    private const int PanelHeight = 230;
    private const int Left = 56;
    private const int Top = 70;
    private const int Gap = 70;

    private static readonly (string System, string Label, string Color)[] Series =
    [
        ("ours", "GroupCache.NET", "#3b6fb6"),
        ("go", "golang/groupcache", "#e08a2e"),
        ("aot", "GroupCache.NET Native AOT", "#5aa469"),
    ];

    private static readonly (string Title, string Scenario, Func<Measurement, double> Pick)[] Panels =
    [
        ("Overhead bytes per entry (RSS, lower is better)", "scaling-hit", m => m.Extra.GetValueOrDefault("bytes_per_entry_overhead", double.NaN)),
        ("Longest GC pause during hits and misses, ms", "scaling-*", m => m.Extra.GetValueOrDefault("gc_pause_max_ms", double.NaN)),
        ("Hit p99, ms (lower is better)", "scaling-hit", m => m.P99Ms),
        ("Miss p99, ms (lower is better)", "scaling-miss", m => m.P99Ms),
    ];

    public static string Render(IReadOnlyList<Measurement> all, string subtitle)
    {
        var scaling = all.Where(m => m.Scenario.StartsWith("scaling-", StringComparison.Ordinal) && m.Extra.ContainsKey("entries")).ToList();
        long[] sizes = [.. scaling.Select(m => (long)m.Extra["entries"]).Distinct().Order()];
        var shown = Series.Where(s => scaling.Any(m => m.System == s.System)).ToArray();
        int width = (2 * PanelWidth) + 40;
        int height = Top + (2 * (PanelHeight + Gap)) + 20;
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">""");
        sb.AppendLine("""<rect width="100%" height="100%" fill="white"/>""");
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">Cache size scaling: 100-byte values, 20-byte keys, one node</text>""");
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{width / 2}" y="37" text-anchor="middle" fill="#555">{SecurityElement.Escape(subtitle)}</text>""");
        int lx = Left;
        foreach (var (_, label, color) in shown)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"""<rect x="{lx}" y="46" width="12" height="12" fill="{color}"/><text x="{lx + 16}" y="56">{label}</text>""");
            lx += 210;
        }

        for (int p = 0; p < Panels.Length; p++)
        {
            int x0 = (p % 2) * (PanelWidth + 40);
            int y0 = Top + ((p / 2) * (PanelHeight + Gap));
            Panel(sb, x0, y0, Panels[p], sizes, shown, scaling);
        }

        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    private static void Panel(StringBuilder sb, int x0, int y0, (string Title, string Scenario, Func<Measurement, double> Pick) panel, long[] sizes,
        (string System, string Label, string Color)[] shown, List<Measurement> all)
    {
        double Value(long size, string system)
        {
            var values = all.Where(m => m.System == system && m.Extra["entries"] == size
                    && (panel.Scenario == "scaling-*" || m.Scenario == panel.Scenario))
                .Select(panel.Pick).Where(v => !double.IsNaN(v)).ToList();
            return values.Count == 0 ? double.NaN : values.Max();
        }

        double max = sizes.SelectMany(s => shown.Select(se => Value(s, se.System))).Where(v => !double.IsNaN(v)).DefaultIfEmpty(1).Max();
        double scaleMax = max <= 0 ? 1 : max * 1.15;
        int plotW = PanelWidth - Left - 10;
        int plotH = PanelHeight - 30;
        int xAxis = x0 + Left;
        int yBase = y0 + PanelHeight;
        sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{xAxis + (plotW / 2)}" y="{y0 + 14}" text-anchor="middle" font-weight="bold">{SecurityElement.Escape(panel.Title)}</text>""");
        for (int t = 0; t <= 4; t++)
        {
            double v = scaleMax * t / 4;
            double y = yBase - (plotH * t / 4.0);
            sb.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{xAxis}" y1="{y:0.#}" x2="{xAxis + plotW}" y2="{y:0.#}" stroke="#e4e4e4"/><text x="{xAxis - 6}" y="{y + 4:0.#}" text-anchor="end" fill="#555">{Short(v)}</text>""");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"""<line x1="{xAxis}" y1="{yBase}" x2="{xAxis + plotW}" y2="{yBase}" stroke="#333"/>""");
        double groupW = plotW / (double)Math.Max(1, sizes.Length);
        for (int i = 0; i < sizes.Length; i++)
        {
            double barW = Math.Min(34, (groupW - 16) / Math.Max(1, shown.Length));
            double start = xAxis + (i * groupW) + ((groupW - (barW * shown.Length)) / 2);
            for (int j = 0; j < shown.Length; j++)
            {
                double v = Value(sizes[i], shown[j].System);
                if (double.IsNaN(v))
                {
                    continue;
                }

                double h = plotH * Math.Max(0, v) / scaleMax;
                double bx = start + (j * barW);
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"""<rect x="{bx:0.#}" y="{yBase - h:0.#}" width="{barW - 2:0.#}" height="{h:0.#}" fill="{shown[j].Color}"><title>{shown[j].Label} at {ScalingScenario.Label(sizes[i])} entries: {v:0.##}</title></rect>""");
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"""<text x="{bx + ((barW - 2) / 2):0.#}" y="{yBase - h - 3:0.#}" text-anchor="middle" font-size="9" fill="#333">{Short(v)}</text>""");
            }

            sb.AppendLine(CultureInfo.InvariantCulture, $"""<text x="{xAxis + (i * groupW) + (groupW / 2):0.#}" y="{yBase + 16}" text-anchor="middle">{ScalingScenario.Label(sizes[i])} entries</text>""");
        }
    }

    private static string Short(double v) => v switch
    {
        >= 10_000 => (v / 1000).ToString("0", CultureInfo.InvariantCulture) + "k",
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => v.ToString("0.#", CultureInfo.InvariantCulture),
        _ => v.ToString("0.##", CultureInfo.InvariantCulture),
    };
}
