namespace LoadRunner.Reporting;

/// <summary>One metric of the Native AOT build beside the JIT build.</summary>
public sealed record AotRow(string Metric, double? Jit, double? Aot)
{
    public double? Ratio => Jit is { } j && Aot is { } a && j != 0 ? a / j : null;
}
