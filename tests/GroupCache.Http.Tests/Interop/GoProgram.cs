using System.Collections.Concurrent;
using System.Diagnostics;

namespace GroupCache.Http.Tests.Interop;

/// <summary>
/// Builds the Go programs under tests/ (tests/GoPeer, the real golang/groupcache as a ring node;
/// tests/GoVectors, the generator of the golden vectors) once per test run, into the test output
/// folder. A missing Go toolchain fails the tests with the install command: these tests prove
/// wire compatibility and must never be skipped.
/// </summary>
internal static class GoProgram
{
    private const string Install = "apt-get install -y golang-go golang-github-golang-groupcache-dev golang-goprotobuf-dev (test.sh installs them when run as root)";
    private static readonly ConcurrentDictionary<string, Lazy<string>> Built = new(StringComparer.Ordinal);

    /// <summary>The path of the built gopeer executable.</summary>
    public static string GoPeer => Build("GoPeer");

    /// <summary>The path of the built govectors executable.</summary>
    public static string GoVectors => Build("GoVectors");

    /// <summary>The repository's tests/ folder, found above the test output folder.</summary>
    public static string TestsFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests");
            if (File.Exists(Path.Combine(candidate, "GoPeer", "main.go")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"tests/GoPeer/main.go not found above {AppContext.BaseDirectory}.");
    }

    private static string Build(string program) =>
        Built.GetOrAdd(program, p => new Lazy<string>(() => Compile(p), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private static string Compile(string program)
    {
        string source = Path.Combine(TestsFolder(), program);
        string go = FindOnPath("go") ?? throw new InvalidOperationException($"The Go toolchain ('go') is not on PATH; the interop tests need it: {Install}.");
        string outDir = Path.Combine(AppContext.BaseDirectory, "go-bin");
        Directory.CreateDirectory(outDir);
        string binary = Path.Combine(outDir, program.ToLowerInvariant());

        var start = new ProcessStartInfo(go)
        {
            WorkingDirectory = source,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("build");
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add(binary);
        start.ArgumentList.Add(".");
        start.Environment["GO111MODULE"] = "off";
        start.Environment["GOPATH"] = "/usr/share/gocode";
        start.Environment["GOFLAGS"] = string.Empty;

        // Go needs a writable build cache; HOME may be read-only in CI. A fixed folder keeps later runs fast.
        start.Environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "groupcache-http-tests-gocache");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start 'go build'.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill();
            throw new TimeoutException($"'go build' of tests/{program} took more than 5 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'go build' of tests/{program} failed ({process.ExitCode}); is golang/groupcache installed? {Install}.\n{stdout.Result}{stderr.Result}");
        }

        return binary;
    }

    private static string? FindOnPath(string name)
    {
        string[] dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return dirs.Append("/usr/lib/go/bin").Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}
