using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoadRunner.Reporting;

/// <summary>Everything a run produced, saved as bench/results/&lt;timestamp&gt;.json.</summary>
public sealed class BenchReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public DateTimeOffset Started { get; init; }

    public DateTimeOffset Finished { get; init; }

    public double ElapsedSeconds { get; init; }

    public string Command { get; init; } = "";

    public required MachineInfo Machine { get; init; }

    public Dictionary<string, object> Options { get; init; } = [];

    public IReadOnlyList<SummaryRow> Summary { get; init; } = [];

    /// <summary>The summary over measurements that other processes did not disturb (empty when none was).</summary>
    public IReadOnlyList<SummaryRow> SummaryUndisturbed { get; init; } = [];

    public IReadOnlyList<AotRow> AotVsJit { get; init; } = [];

    /// <summary>The scaling scenario's figures per cache size (empty when it did not run).</summary>
    public IReadOnlyList<ScalingRow> Scaling { get; init; } = [];

    public IReadOnlyList<Measurement> Measurements { get; init; } = [];

    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>The measurements of a saved run, for printing its tables again (--from).</summary>
    public static List<Measurement> LoadMeasurements(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return JsonSerializer.Deserialize<List<Measurement>>(doc.RootElement.GetProperty("measurements").GetRawText(), Json)
            ?? throw new InvalidDataException($"{path} has no measurements");
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }
}
