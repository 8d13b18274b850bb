using System.Globalization;
using System.Text;

namespace LoadRunner.Reporting;

/// <summary>The side-by-side table as Markdown, readable in a terminal and pasteable into docs/BENCHMARKS.md.</summary>
public static class TableWriter
{
    public static string Markdown(IReadOnlyList<SummaryRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| scenario | metric | ours | Go | ratio | ours p99 ms | Go p99 ms | ratio | target | met? |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var r in rows)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.Metric} | {Num(r.Ours)} | {Num(r.Go)} | {Ratio(r.Ratio)} | {Ms(r.OursP99Ms)} | {Ms(r.GoP99Ms)} | {Ratio(r.P99Ratio)} | {r.Target} | {Met(r.Met)} |");
            sb.AppendLine();
        }

        return sb.ToString();
    }

    public static string AotMarkdown(IReadOnlyList<AotRow> rows)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| metric | JIT (dotnet CacheApp.dll) | Native AOT | AOT / JIT |");
        sb.AppendLine("|---|---:|---:|---:|");
        foreach (var r in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"| {r.Metric} | {Num(r.Jit)} | {Num(r.Aot)} | {Ratio(r.Ratio)} |");
        }

        return sb.ToString();
    }

    private static string Num(double? v) => v switch
    {
        null => "–",
        { } x when Math.Abs(x) >= 1000 => x.ToString("N0", CultureInfo.InvariantCulture),
        { } x => x.ToString("0.#", CultureInfo.InvariantCulture),
    };

    private static string Ms(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) : "–";

    private static string Ratio(double? v) => v is { } x ? x.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "–";

    private static string Met(bool? v) => v switch { true => "yes", false => "**no**", null => "–" };
}
