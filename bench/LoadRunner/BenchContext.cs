using System.Diagnostics;
using LoadRunner.Infrastructure;
using LoadRunner.Reporting;
using LoadRunner.Systems;
using LoadRunner.Wrk;

namespace LoadRunner;

/// <summary>Everything a scenario needs: options, paths, the source, both systems, wrk, and where results go.</summary>
public sealed class BenchContext(RunnerOptions options, RepoPaths paths, string runDir, SourceService source, IReadOnlyList<ICacheSystem> systems, WrkRunner wrk)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public RunnerOptions Options { get; } = options;

    public RepoPaths Paths { get; } = paths;

    /// <summary>This run's folder: logs and key files.</summary>
    public string RunDir { get; } = runDir;

    public SourceService Source { get; } = source;

    public IReadOnlyList<ICacheSystem> Systems { get; } = systems;

    public WrkRunner Wrk { get; } = wrk;

    public List<Measurement> Measurements { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Systems in the order for <paramref name="round"/>: rounds alternate who goes first.</summary>
    public IEnumerable<ICacheSystem> InOrder(int round) => round % 2 == 1 ? Systems : Systems.Reverse();

    public void Progress(string message) => Console.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {message}");

    public void Record(Measurement m)
    {
        Measurements.Add(m);
        string rate = m.RequestsPerSecond > 0 ? $"{m.RequestsPerSecond,10:N0} req/s  p50 {m.P50Ms,6:F2} ms  p99 {m.P99Ms,6:F2} ms  errors {m.Errors}" : "";
        string extra = string.Join("  ", m.Extra.Select(kv => $"{kv.Key}={kv.Value:0.##}"));
        Progress($"  {m.Scenario,-12} {m.System,-7} round {m.Round}: {rate} {extra}{(m.Exhausted ? "  (keys used up early)" : "")}");
    }

    public void Note(string note)
    {
        Notes.Add(note);
        Progress("  note: " + note);
    }

    public string WriteKeyFile(string name, IEnumerable<string> keys)
    {
        string path = Path.Combine(RunDir, name);
        File.WriteAllLines(path, keys);
        return path;
    }
}
