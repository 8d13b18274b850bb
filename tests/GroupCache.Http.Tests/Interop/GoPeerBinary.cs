using System.Diagnostics;

namespace GroupCache.Http.Tests.Interop;

/// <summary>
/// Builds tests/GoPeer (the real golang/groupcache as a ring node) once per test run, into the
/// test output folder. A missing Go toolchain fails the tests with the install command: these
/// tests prove wire compatibility and must never be skipped.
/// </summary>
internal static class GoPeerBinary
{
    private const string Install = "apt-get install -y golang-go golang-github-golang-groupcache-dev golang-goprotobuf-dev (test.sh installs them when run as root)";
    private static readonly Lazy<string> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The path of the built gopeer executable.</summary>
    public static string Path => Built.Value;

    private static string Build()
    {
        string source = FindSource();
        string go = FindOnPath("go") ?? throw new InvalidOperationException($"The Go toolchain ('go') is not on PATH; the interop tests need it: {Install}.");
        string outDir = System.IO.Path.Combine(AppContext.BaseDirectory, "gopeer-bin");
        Directory.CreateDirectory(outDir);
        string binary = System.IO.Path.Combine(outDir, "gopeer");

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
        start.Environment["GOCACHE"] = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "groupcache-http-tests-gocache");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start 'go build'.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill();
            throw new TimeoutException("'go build' of tests/GoPeer took more than 5 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'go build' of tests/GoPeer failed ({process.ExitCode}); is golang/groupcache installed? {Install}.\n{stdout.Result}{stderr.Result}");
        }

        return binary;
    }

    private static string FindSource()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "tests", "GoPeer");
            if (File.Exists(System.IO.Path.Combine(candidate, "main.go")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"tests/GoPeer/main.go not found above {AppContext.BaseDirectory}.");
    }

    private static string? FindOnPath(string name)
    {
        string[] dirs = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return dirs.Append("/usr/lib/go/bin").Select(d => System.IO.Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}
