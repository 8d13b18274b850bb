namespace LoadRunner.Reporting;

/// <summary>One figure of the scaling scenario at one cache size, ours beside Go, with the target where it has one.</summary>
public sealed record ScalingRow(long Entries, string Metric)
{
    public double? Ours { get; init; }

    public double? Go { get; init; }

    /// <summary>ours / Go.</summary>
    public double? Ratio => Ours is { } o && Go is { } g && g != 0 ? o / g : null;

    public string Target { get; init; } = "";

    /// <summary>Null when the row has no target or a side is missing.</summary>
    public bool? Met { get; init; }
}
