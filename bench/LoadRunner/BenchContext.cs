using System.Diagnostics;
using LoadRunner.Infrastructure;
using LoadRunner.Reporting;
using LoadRunner.Systems;
using LoadRunner.Wrk;

namespace LoadRunner;

/// <summary>Everything a scenario needs: options, paths, the source, both systems, wrk, and where results go.</summary>
public sealed class BenchContext(RunnerOptions options, RepoPaths paths, string runDir, SourceService source, IReadOnlyList<ICacheSystem> systems, WrkRunner wrk)
{
    /// <summary>Since the runner started; shared with Program's progress lines.</summary>
    public static readonly Stopwatch Clock = Stopwatch.StartNew();

    /// <summary>Other processes' CPU share above which a measurement is noted as disturbed.</summary>
    public const double QuietPercent = 25;

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

    public void Progress(string message) => Console.WriteLine($"[{Clock.Elapsed:mm\\:ss}] {message}");

    public void Record(Measurement m)
    {
        Measurements.Add(m);
        string rate = m.RequestsPerSecond > 0 ? $"{m.RequestsPerSecond,10:N0} req/s  p50 {m.P50Ms,6:F2} ms  p99 {m.P99Ms,6:F2} ms  errors {m.Errors}" : "";
        string extra = string.Join("  ", m.Extra.Select(kv => $"{kv.Key}={kv.Value:0.##}"));
        Progress($"  {m.Scenario,-12} {m.System,-7} round {m.Round}: {rate} {extra}{(m.Exhausted ? "  (keys used up early)" : "")}");
    }

    /// <summary>
    /// Runs one measured wrk call and records it with the machine's background load just before and
    /// the CPU the given server processes spent on it.
    /// </summary>
    /// <param name="sourcePid">The source service, when the scenario loads through it: its CPU is reported apart.</param>
    public async Task<Measurement> MeasureAsync(string scenario, string system, int round, IEnumerable<int> serverPids, Func<Task<WrkResult>> run, int? sourcePid = null)
    {
        int[] pids = [.. serverPids];
        // Sampled after a pause: right after a warm-up, the kernel is still busy for a moment with work
        // no process is charged for (seen as system time with every process idle).
        await Task.Delay(TimeSpan.FromMilliseconds(700));
        double foreign = await CpuMeter.ForeignBusyPercentAsync(TimeSpan.FromMilliseconds(500));

        // On a shared machine, optionally wait (bounded) for other people's work to calm down.
        var waited = Stopwatch.StartNew();
        while (foreign > QuietPercent && waited.Elapsed < Options.WaitQuiet)
        {
            foreign = await CpuMeter.ForeignBusyPercentAsync(TimeSpan.FromMilliseconds(500));
        }

        double waitedSeconds = Options.WaitQuiet > TimeSpan.Zero ? waited.Elapsed.TotalSeconds : 0;
        double load = CpuMeter.LoadAverage();

        // Everything of ours that runs during the measurement, except wrk (started inside run()).
        int[] ours = [Environment.ProcessId, .. ChildProcess.LivePids()];
        double cpuBefore = CpuMeter.ProcessesSeconds(pids);
        double sourceBefore = sourcePid is { } sp ? CpuMeter.ProcessSeconds(sp) : 0;
        double oursBefore = CpuMeter.ProcessesSeconds(ours);
        var (busyBefore, totalBefore) = CpuMeter.Totals();
        WrkResult wrk;
        double maxGapMs, stealMs;
        int stalls;
        using (var watch = StallWatch.Start())
        {
            wrk = await run();
            (maxGapMs, stalls, stealMs) = (watch.MaxGapMs, watch.Stalls, watch.StealMs);
        }

        var (busyAfter, totalAfter) = CpuMeter.Totals();
        double oursCpu = CpuMeter.ProcessesSeconds(ours) - oursBefore + wrk.WrkCpuSeconds;
        double cpu = CpuMeter.ProcessesSeconds(pids) - cpuBefore;
        double foreignDuring = totalAfter == totalBefore ? 0
            : Math.Max(0, 100.0 * (busyAfter - busyBefore - (oursCpu * CpuMeter.TicksPerSecond)) / (totalAfter - totalBefore));
        var m = Measurement.FromWrk(scenario, system, round, wrk);
        m.Extra["foreign_busy_pct_before"] = foreign;
        m.Extra["foreign_busy_pct_during"] = foreignDuring;
        m.Extra["waited_for_quiet_s"] = waitedSeconds;
        m.Extra["loadavg_1m"] = load;
        m.Extra["node_cpu_s"] = cpu;
        m.Extra["node_cpu_us_per_req"] = wrk.Requests == 0 ? 0 : cpu * 1e6 / wrk.Requests;
        m.Extra["wrk_cpu_us_per_req"] = wrk.Requests == 0 ? 0 : wrk.WrkCpuSeconds * 1e6 / wrk.Requests;
        m.Extra["machine_max_stall_ms"] = maxGapMs;
        m.Extra["machine_stalls_over_20ms"] = stalls;
        m.Extra["steal_ms"] = stealMs;
        if (sourcePid is { } source)
        {
            double sourceCpu = CpuMeter.ProcessSeconds(source) - sourceBefore;
            m.Extra["source_cpu_us_per_req"] = wrk.Requests == 0 ? 0 : sourceCpu * 1e6 / wrk.Requests;
        }

        if (foreign > QuietPercent || foreignDuring > QuietPercent)
        {
            Note($"{scenario} {system} round {round}: other processes kept {foreign:0}% of the CPU busy just before this measurement and {foreignDuring:0}% during it; its numbers are disturbed");
        }

        if (stalls > 0)
        {
            Note($"{scenario} {system} round {round}: the runner's idle timer thread was kept from running for up to {maxGapMs:0} ms ({stalls} time(s) over 20 ms; hypervisor steal {stealMs:0} ms): the machine stalled, and latency spikes of that size are not the server's");
        }

        return m;
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
