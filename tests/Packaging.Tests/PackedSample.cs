namespace Packaging.Tests;

/// <summary>
/// The libraries packed into a temp folder and samples/ProductCatalog built from those packages and
/// started three times, all by a temp copy of samples/ (so nothing lands in the repository's obj/bin),
/// through the command the README documents: run-three.sh. Done once for the class: it takes minutes.
/// </summary>
public sealed class PackedSample : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(9);
    private readonly TempDir _work = new();
    private string _version = "";

    public IReadOnlyList<string> Addresses { get; private set; } = [];

    /// <summary>The folder samples/nuget.config names as the only source of GroupCache packages.</summary>
    public string Packages => Path.Combine(Samples, "packages");

    private string Samples => Path.Combine(_work.Path, "samples");

    private string Script => Path.Combine(Samples, "ProductCatalog", "run-three.sh");

    private Dictionary<string, string> Env => new()
    {
        ["REPO"] = RepositoryRoot(),
        ["RUN_DIR"] = Path.Combine(_work.Path, "run"),
    };

    public async Task InitializeAsync()
    {
        CopySamples(Path.Combine(RepositoryRoot(), "samples"), Samples);
        var env = Env;
        env["PORTS"] = $"{FreePort.Next()} {FreePort.Next()} {FreePort.Next()}";
        var (exitCode, output) = await ScriptRun.RunAsync(Script, [], env, StartTimeout);
        Assert.True(exitCode == 0, $"run-three.sh failed ({exitCode}):\n{output}\n{InstanceLogs()}");
        Addresses = File.ReadAllLines(Path.Combine(env["RUN_DIR"], "addresses")).Where(line => line.Length > 0).ToList();
        string nupkg = Path.GetFileNameWithoutExtension(Directory.GetFiles(Packages, "GroupCache.Http.*.nupkg").Single());
        _version = nupkg["GroupCache.Http.".Length..];
    }

    public async Task DisposeAsync()
    {
        await ScriptRun.RunAsync(Script, ["stop"], Env, TimeSpan.FromMinutes(1));
        ForgetPackagesInNuGetCache();
        _work.Dispose();
    }

    /// <summary>What the instances wrote, for a failure message.</summary>
    public string InstanceLogs()
    {
        string run = Env["RUN_DIR"];
        return Directory.Exists(run)
            ? string.Join('\n', Directory.GetFiles(run, "*.log").Select(log => $"== {log}\n{File.ReadAllText(log)}"))
            : "";
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GroupCache.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no GroupCache.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>samples/ as committed: a developer's packages, builds and runs stay behind.</summary>
    private static void CopySamples(string from, string to)
    {
        string[] skipped = ["packages", "run", "bin", "obj"];
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string dir in Directory.GetDirectories(from).Where(d => !skipped.Contains(Path.GetFileName(d))))
        {
            CopySamples(dir, Path.Combine(to, Path.GetFileName(dir)));
        }
    }

    /// <summary>The test's own prerelease version was extracted into NuGet's global folder; it is of no use after this run.</summary>
    private void ForgetPackagesInNuGetCache()
    {
        if (_version.Length == 0)
        {
            return;
        }

        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in new[] { "groupcache", "groupcache.http", "groupcache.kubernetes", "groupcache.dns" })
        {
            string dir = Path.Combine(cache, id, _version.ToLowerInvariant());
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
