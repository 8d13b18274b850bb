namespace LoadRunner.Infrastructure;

/// <summary>Where the built programs are, relative to the repository root.</summary>
public sealed class RepoPaths(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    public string SourceAppDll => Path.Combine(Root, "src/SourceApp/bin/Release/net10.0/SourceApp.dll");

    public string CacheAppDll => Path.Combine(Root, "src/CacheApp/bin/Release/net10.0/CacheApp.dll");

    public string CeilingDll => Path.Combine(Root, "bench/KestrelCeiling/bin/Release/net10.0/KestrelCeiling.dll");

    public string GoPeer => Path.Combine(Root, "tests/GoPeer/gopeer");

    public string WrkScript => Path.Combine(Root, "bench/wrk/keys.lua");

    public string ResultsDir => Path.Combine(Root, "bench/results");

    public string ChartPath => Path.Combine(Root, "docs/bench/latest.svg");

    /// <summary>The scaling scenario's chart, when a run included it.</summary>
    public string ScalingChartPath => Path.Combine(Root, "docs/bench/scaling.svg");

    /// <summary>Finds the root by walking up from <paramref name="start"/> to the folder holding GroupCache.slnx.</summary>
    public static RepoPaths Find(string? explicitRoot, string start)
    {
        if (explicitRoot is not null)
        {
            return new RepoPaths(explicitRoot);
        }

        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GroupCache.slnx")))
            {
                return new RepoPaths(dir.FullName);
            }
        }

        throw new InvalidOperationException($"no GroupCache.slnx above {start}; pass --repo");
    }
}
