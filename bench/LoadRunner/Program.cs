using System.Diagnostics;
using LoadRunner;
using LoadRunner.Infrastructure;
using LoadRunner.Reporting;
using LoadRunner.Scenarios;
using LoadRunner.Systems;
using LoadRunner.Wrk;

// The whole-service benchmark: bench/run.sh builds everything and runs this. See docs/BENCHMARKS.md.
RunnerOptions options;
try
{
    options = RunnerOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"LoadRunner: {e.Message}\n{RunnerOptions.Usage}");
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(RunnerOptions.Usage);
    return 0;
}

if (options.FromJson is not null)
{
    // Print a saved run's tables again, e.g. after the summary rules changed.
    var saved = BenchReport.LoadMeasurements(options.FromJson);
    Console.WriteLine(TableWriter.Markdown(Summarizer.Summarize(saved)));
    var undisturbed = saved.Where(m => Summarizer.IsQuiet(m, BenchContext.QuietPercent)).ToList();
    Console.WriteLine($"Undisturbed measurements only ({saved.Count - undisturbed.Count} of {saved.Count} left out):\n");
    Console.WriteLine(TableWriter.Markdown(Summarizer.Summarize(undisturbed)));
    if (Summarizer.CompareAot(saved) is { Count: > 0 } aot)
    {
        Console.WriteLine(TableWriter.AotMarkdown(aot));
    }

    if (ScalingSummary.Rows(saved) is { Count: > 0 } scalingRows)
    {
        Console.WriteLine(ScalingSummary.Markdown(scalingRows));
    }

    return 0;
}

// Whatever happens, the processes this run started are stopped, by PID.
Console.CancelKeyPress += (_, e) =>
{
    Console.Error.WriteLine("interrupted: stopping the processes this run started");
    ChildProcess.KillAll();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.KillAll();
ThreadPool.SetMinThreads(64, 64); // the storm fires hundreds of requests at once from this process

var paths = RepoPaths.Find(options.RepoRoot, AppContext.BaseDirectory);
var started = DateTimeOffset.UtcNow;
string stamp = started.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
string runDir = Path.Combine(paths.ResultsDir, stamp + "-run");
Directory.CreateDirectory(runDir);

var missing = new List<string>();
void Require(string path, string what)
{
    if (!File.Exists(path))
    {
        missing.Add($"{what}: {path}");
    }
}

Require(paths.SourceAppDll, "SourceApp (dotnet build -c Release src/SourceApp)");
Require(paths.CeilingDll, "KestrelCeiling (dotnet build -c Release bench/KestrelCeiling)");
Require(paths.WrkScript, "wrk script");
if (options.Systems.Contains("ours"))
{
    Require(paths.CacheAppDll, "CacheApp (dotnet build -c Release src/CacheApp)");
}

if (options.Systems.Contains("go"))
{
    Require(paths.GoPeer, "gopeer (tests/GoPeer/build.sh)");
}

if (options.AotBinary is not null)
{
    Require(options.AotBinary, "Native AOT CacheApp (bench/run.sh --aot)");
}

if (missing.Count > 0)
{
    Console.Error.WriteLine("LoadRunner: missing builds; run bench/run.sh, which builds them:\n  " + string.Join("\n  ", missing));
    return 1;
}

var clock = BenchContext.Clock;
Console.WriteLine($"GroupCache.NET load runner: {(options.Quick ? "quick" : "full")} run, {options.Rounds} round(s), " +
    $"{options.Duration.TotalSeconds} s per measurement, wrk -t{options.Threads} -c{options.Connections}; logs in {runDir}");

BenchContext? context = null;
try
{
    await using var source = await SourceService.StartAsync(paths, Path.Combine(runDir, "source.db"), runDir);
    long freshRows = Math.Max(options.Scenarios.Contains("memory") ? options.MemoryEntries : 0,
        options.Scenarios.Contains("miss") ? MissScenario.RowsNeeded(options) : 0);
    Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] filling the source with {freshRows + KeySpace.HitKeys + KeySpace.PeerCandidates + KeySpace.StormKeys:N0} rows...");
    var fill = await source.BulkInsertAsync(KeySpace.Rows(freshRows));
    Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] source ready at {source.Url} (insert took {fill.TotalSeconds:0.0} s)");

    var systems = new List<ICacheSystem>();
    if (options.Systems.Contains("ours"))
    {
        systems.Add(new OurSystem(paths, source.Url, runDir, options.OursEnv));
    }

    if (options.Systems.Contains("go"))
    {
        systems.Add(new GoSystem(paths, source.Url, runDir));
    }

    if (options.Systems.Contains("aot"))
    {
        systems.Add(new OurSystem(paths, source.Url, runDir, options.OursEnv, options.AotBinary));
    }

    context = new BenchContext(options, paths, runDir, source, systems, new WrkRunner(paths, runDir, options.Threads, options.Connections));
    IScenario[] scenarios = [new CeilingScenario(), new HitScenario(), new PeerScenario(), new MissScenario(), new StormScenario(), new MemoryScenario(), new ScalingScenario()];
    foreach (var scenario in scenarios.Where(s => options.Scenarios.Contains(s.Name)))
    {
        context.Progress($"scenario {scenario.Name}");
        try
        {
            await scenario.RunAsync(context);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One broken scenario must not lose the others' results.
            context.Note($"scenario {scenario.Name} failed: {e.Message}");
        }
    }
}
finally
{
    ChildProcess.KillAll();
}

var summary = Summarizer.Summarize(context.Measurements);
var aotRows = Summarizer.CompareAot(context.Measurements);
var scaling = ScalingSummary.Rows(context.Measurements);
var quiet = context.Measurements.Where(m => Summarizer.IsQuiet(m, BenchContext.QuietPercent)).ToList();
var finished = DateTimeOffset.UtcNow;
var report = new BenchReport
{
    Started = started,
    Finished = finished,
    ElapsedSeconds = clock.Elapsed.TotalSeconds,
    Command = CommandLine(args),
    Machine = MachineInfo.Read(),
    Options = new Dictionary<string, object>
    {
        ["quick"] = options.Quick,
        ["rounds"] = options.Rounds,
        ["duration_s"] = options.Duration.TotalSeconds,
        ["warmup_s"] = options.Warmup.TotalSeconds,
        ["wait_quiet_s"] = options.WaitQuiet.TotalSeconds,
        ["wrk_threads"] = options.Threads,
        ["wrk_connections"] = options.Connections,
        ["memory_entries"] = options.MemoryEntries,
        ["scaling_sizes"] = options.ScalingSizes.ToArray(),
        ["miss_keys_per_run"] = options.MissKeysPerRun,
        ["storm_requests"] = options.StormRequests,
        ["storm_repeats"] = options.StormRepeats,
        ["scenarios"] = options.Scenarios.ToArray(),
        ["systems"] = options.Systems.ToArray(),
        ["ours_env"] = options.OursEnv,
    },
    Measurements = context.Measurements,
    Summary = summary,
    AotVsJit = aotRows,
    Scaling = scaling,
    SummaryUndisturbed = quiet.Count < context.Measurements.Count ? Summarizer.Summarize(quiet) : [],
    Notes = context.Notes,
};

string jsonPath = options.OutputPath ?? Path.Combine(paths.ResultsDir, stamp + ".json");
report.Save(jsonPath);
string table = TableWriter.Markdown(summary);
if (quiet.Count < context.Measurements.Count)
{
    // The same table over the undisturbed measurements only, when other work disturbed some.
    table += $"\nUndisturbed measurements only (other processes <= {BenchContext.QuietPercent}% of the CPU before and during; " +
        $"{context.Measurements.Count - quiet.Count} of {context.Measurements.Count} left out):\n\n" + TableWriter.Markdown(Summarizer.Summarize(quiet));
}

if (aotRows.Count > 0)
{
    table += "\nNative AOT beside JIT (same CacheApp sources):\n\n" + TableWriter.AotMarkdown(aotRows);
}

if (scaling.Count > 0)
{
    table += "\nScaling (one node, 100-byte values, 20-byte keys; GC figures: ours from /api/admin/status, Go from GODEBUG=gctrace=1):\n\n" + ScalingSummary.Markdown(scaling);
}

File.WriteAllText(Path.ChangeExtension(jsonPath, ".md"), table);
string subtitle = $"{report.Machine.Cpu}, {report.Machine.Cores} cores, {finished:yyyy-MM-dd}, wrk -t{options.Threads} -c{options.Connections}, {options.Duration.TotalSeconds} s x {options.Rounds} round(s)";
string svg = SvgChart.Render(context.Measurements, subtitle);
File.WriteAllText(Path.ChangeExtension(jsonPath, ".svg"), svg);
Directory.CreateDirectory(Path.GetDirectoryName(paths.ChartPath)!);
if (context.Measurements.Any(m => !m.Scenario.StartsWith("scaling-", StringComparison.Ordinal)))
{
    File.WriteAllText(paths.ChartPath, svg);
}

string? scalingChart = null;
if (scaling.Count > 0)
{
    string sizes = string.Join(", ", options.ScalingSizes.Select(ScalingScenario.Label));
    string scalingSvg = ScalingChart.Render(context.Measurements, $"{report.Machine.Cpu}, {report.Machine.Cores} cores, {finished:yyyy-MM-dd}, sizes {sizes}, wrk -t{options.Threads} -c{options.Connections}, {options.Duration.TotalSeconds} s");
    File.WriteAllText(Path.ChangeExtension(jsonPath, ".scaling.svg"), scalingSvg);
    scalingChart = paths.ScalingChartPath;
    File.WriteAllText(scalingChart, scalingSvg);
}

Console.WriteLine();
Console.WriteLine(table);
foreach (string note in context.Notes)
{
    Console.WriteLine("note: " + note);
}

Console.WriteLine($"\nresults: {jsonPath}{(context.Measurements.Any(m => !m.Scenario.StartsWith("scaling-", StringComparison.Ordinal)) ? $"\nchart:   {paths.ChartPath}" : "")}{(scalingChart is null ? "" : $"\nscaling: {scalingChart}")}\nelapsed: {clock.Elapsed:mm\\:ss}");
return 0;

// The command as a person typed it: run.sh adds --repo, and --aot becomes --aot-binary PATH.
static string CommandLine(string[] args)
{
    var shown = new List<string>();
    for (int i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--repo": i++; break;
            case "--aot-binary": i++; shown.Add("--aot"); break;
            default: shown.Add(args[i]); break;
        }
    }

    return string.Join(' ', ["bench/run.sh", .. shown]);
}
