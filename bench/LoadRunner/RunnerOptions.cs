using System.Globalization;

namespace LoadRunner;

/// <summary>The runner's command line. Defaults are the full run (about ten minutes on two cores).</summary>
public sealed class RunnerOptions
{
    public const int DefaultMemoryEntries = 1_000_000;

    public bool Quick { get; private set; }

    public bool ShowHelp { get; private set; }

    /// <summary>Rounds per scenario; rounds alternate which system goes first (ours, Go / Go, ours).</summary>
    public int Rounds { get; private set; } = 2;

    /// <summary>One wrk measurement.</summary>
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// wrk against a warm node before each measurement, so both runtimes are at steady state. 8 s, not
    /// less: after a 3 s warm-up the .NET node's first measurement still showed p99 of 19-128 ms while
    /// tiered compilation finished, against 6-8 ms after 12 s (same machine, same hour).
    /// </summary>
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(8);

    /// <summary>How long to wait, at most, before each measurement for other processes to leave the CPU (0: never).</summary>
    public TimeSpan WaitQuiet { get; private set; } = TimeSpan.Zero;

    public int Threads { get; private set; } = 2;

    public int Connections { get; private set; } = 64;

    public int MemoryEntries { get; private set; } = DefaultMemoryEntries;

    /// <summary>Distinct source rows reserved for one miss measurement (a measurement stops early if it runs out).</summary>
    public int MissKeysPerRun { get; private set; } = 400_000;

    public int StormRequests { get; private set; } = 500;

    public int StormRepeats { get; private set; } = 3;

    /// <summary>Cache sizes (entries) of the scaling scenario, smallest first.</summary>
    public IReadOnlyList<long> ScalingSizes { get; private set; } = DefaultScalingSizes;

    /// <summary>Scenarios to run: by default all but scaling, which takes long (--scenarios scaling).</summary>
    public HashSet<string> Scenarios { get; private set; } = [.. DefaultScenarios];

    public string? RepoRoot { get; private set; }

    public string? OutputPath { get; private set; }

    /// <summary>A saved result: print its tables again instead of running anything.</summary>
    public string? FromJson { get; private set; }

    /// <summary>Extra environment for our nodes (JIT and AOT), e.g. DOTNET_gcServer=1, for experiments.</summary>
    public Dictionary<string, string> OursEnv { get; } = [];

    /// <summary>A Native AOT build of CacheApp; when given, "aot" runs as a third system.</summary>
    public string? AotBinary { get; private set; }

    /// <summary>Which systems to run: ours, go (both by default).</summary>
    public HashSet<string> Systems { get; private set; } = ["ours", "go"];

    public static readonly string[] DefaultScenarios = ["ceiling", "hit", "peer", "miss", "storm", "memory"];

    public static readonly string[] AllScenarios = [.. DefaultScenarios, "scaling"];

    public static readonly long[] DefaultScalingSizes = [100_000, 1_000_000, 5_000_000];

    public static readonly long[] QuickScalingSizes = [20_000, 100_000];

    /// <summary>The scaling scenario's keys are 8 digits wide: sizes up to 50 million leave room for its miss keys.</summary>
    public const long MaxScalingSize = 50_000_000;

    public const string Usage = """
        usage: LoadRunner [--quick] [--rounds N] [--duration S] [--warmup S] [--memory-entries N]
                          [--miss-keys N] [--storm-requests N] [--scenarios a,b,...] [--systems ours,go]
                          [--threads N] [--connections N] [--repo PATH] [--out FILE.json] [--aot-binary PATH]
                          [--ours-env NAME=VALUE]... [--wait-quiet S] [--scaling-sizes N,N,...]
          --quick            one round, 5 s measurements, 5 s warm-ups, 200,000 memory entries,
                             scaling sizes 20k,100k
          --scenarios        any of ceiling,hit,peer,miss,storm,memory,scaling (default: all but scaling)
          --scaling-sizes    entries cached at each step of the scaling scenario, e.g. 100k,1M,5M (the default)
          --systems          any of ours,go,aot (default: ours,go; plus aot when --aot-binary is given)
          --wait-quiet       before each measurement, wait up to S seconds while other processes keep
                             more than 25% of the CPU busy (for shared machines; default 0)
          --ours-env         extra environment for our nodes, e.g. DOTNET_gcServer=1 (repeatable)
          --from FILE.json   print a saved run's tables again (nothing is started)
          --aot-binary       a Native AOT CacheApp executable, run as system "aot" (bench/run.sh --aot builds it)
        """;

    public static RunnerOptions Parse(string[] args)
    {
        var o = new RunnerOptions();
        // --quick first, so explicit flags override its defaults whatever their order.
        if (args.Contains("--quick"))
        {
            o.Quick = true;
            o.Rounds = 1;
            o.Duration = TimeSpan.FromSeconds(5);
            o.Warmup = TimeSpan.FromSeconds(5);
            o.MemoryEntries = 200_000;
            o.MissKeysPerRun = 150_000;
            o.StormRepeats = 2;
            o.ScalingSizes = QuickScalingSizes;
        }

        bool systemsGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            int Int(int min) => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min
                ? n
                : throw new ArgumentException($"{arg} needs an integer >= {min}");
            switch (arg)
            {
                case "--quick": break;
                case "--help" or "-h": o.ShowHelp = true; break;
                case "--rounds": o.Rounds = Int(1); break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(Int(1)); break;
                case "--warmup": o.Warmup = TimeSpan.FromSeconds(Int(0)); break;
                case "--wait-quiet": o.WaitQuiet = TimeSpan.FromSeconds(Int(0)); break;
                case "--memory-entries": o.MemoryEntries = Int(1000); break;
                case "--miss-keys": o.MissKeysPerRun = Int(1000); break;
                case "--storm-requests": o.StormRequests = Int(2); break;
                case "--threads": o.Threads = Int(1); break;
                case "--connections": o.Connections = Int(1); break;
                case "--repo": o.RepoRoot = Next(); break;
                case "--out": o.OutputPath = Next(); break;
                case "--from": o.FromJson = Next(); break;
                case "--aot-binary": o.AotBinary = Path.GetFullPath(Next()); break;
                case "--scaling-sizes": o.ScalingSizes = ParseSizes(Next()); break;
                case "--ours-env":
                    string pair = Next();
                    int eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0)
                    {
                        throw new ArgumentException("--ours-env takes NAME=VALUE");
                    }

                    o.OursEnv[pair[..eq]] = pair[(eq + 1)..];
                    break;
                case "--scenarios":
                    o.Scenarios = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                    if (o.Scenarios.Except(AllScenarios).FirstOrDefault() is { } bad)
                    {
                        throw new ArgumentException($"unknown scenario '{bad}'");
                    }

                    break;
                case "--systems":
                    o.Systems = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                    if (o.Systems.Count == 0 || o.Systems.Except(["ours", "go", "aot"]).Any())
                    {
                        throw new ArgumentException("--systems takes a list of ours, go, aot");
                    }

                    systemsGiven = true;
                    break;
                default: throw new ArgumentException($"unknown argument '{arg}'");
            }
        }

        if (o.AotBinary is not null && !systemsGiven)
        {
            o.Systems.Add("aot");
        }

        if (o.Systems.Contains("aot") && o.AotBinary is null)
        {
            throw new ArgumentException("the aot system needs --aot-binary PATH (bench/run.sh --aot publishes one)");
        }

        return o;
    }

    /// <summary>"100k,1M,5M" or "250000": distinct sizes from 1,000 to <see cref="MaxScalingSize"/>, sorted.</summary>
    public static long[] ParseSizes(string text)
    {
        var sizes = new SortedSet<long>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            (string digits, long unit) = part[^1] switch
            {
                'k' or 'K' => (part[..^1], 1_000L),
                'm' or 'M' => (part[..^1], 1_000_000L),
                _ => (part, 1L),
            };
            if (!decimal.TryParse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal n)
                || n * unit != decimal.Truncate(n * unit) || n * unit < 1_000 || n * unit > MaxScalingSize)
            {
                throw new ArgumentException($"--scaling-sizes: '{part}' is not a whole number of entries from 1000 to {MaxScalingSize} (like 100k, 1M, 2.5M)");
            }

            sizes.Add((long)(n * unit));
        }

        return sizes.Count > 0 ? [.. sizes] : throw new ArgumentException("--scaling-sizes lists no size");
    }
}
