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

    public IReadOnlyList<AotRow> AotVsJit { get; init; } = [];

    public IReadOnlyList<Measurement> Measurements { get; init; } = [];

    public IReadOnlyList<string> Notes { get; init; } = [];

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }
}
