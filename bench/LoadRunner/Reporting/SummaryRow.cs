namespace LoadRunner.Reporting;

/// <summary>One line of the side-by-side table: the mean over rounds of each system, and the target.</summary>
public sealed record SummaryRow(string Scenario, string Metric)
{
    public double? Ours { get; init; }

    public double? Go { get; init; }

    /// <summary>ours / Go.</summary>
    public double? Ratio => Ours is { } o && Go is { } g && g != 0 ? o / g : null;

    public double? OursP99Ms { get; init; }

    public double? GoP99Ms { get; init; }

    public double? P99Ratio => OursP99Ms is { } o && GoP99Ms is { } g && g != 0 ? o / g : null;

    public string Target { get; init; } = "";

    /// <summary>Null when the row has no target or a side is missing.</summary>
    public bool? Met { get; init; }

    public string Note { get; init; } = "";
}
