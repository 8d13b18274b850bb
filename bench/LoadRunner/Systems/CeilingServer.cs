using LoadRunner.Infrastructure;
using ServiceTesting;

namespace LoadRunner.Systems;

/// <summary>bench/KestrelCeiling: the fastest any ASP.NET Core service can answer on this machine.</summary>
public static class CeilingServer
{
    public static Task<CacheNode> StartAsync(RepoPaths paths, string logDir) => StartAsync(paths, logDir, "ceiling", []);

    /// <summary>
    /// The same program as a stub source: every key's record is computed (a 100-byte value), so that
    /// the scaling scenario fills millions of entries without a database behind them.
    /// </summary>
    public static Task<CacheNode> StartStubSourceAsync(RepoPaths paths, string logDir) => StartAsync(paths, logDir, "stub-source", ["--mode", "source"]);

    private static async Task<CacheNode> StartAsync(RepoPaths paths, string logDir, string name, string[] extraArgs)
    {
        int port = FreePort.Next();
        var process = ChildProcess.Start($"kestrel-{name}", "dotnet", [paths.CeilingDll, "--urls", $"http://127.0.0.1:{port}", .. extraArgs],
            Path.Combine(logDir, $"{name}-{port}.log"), workingDirectory: Path.GetDirectoryName(paths.CeilingDll));
        try
        {
            var startup = await Http.WaitHealthyAsync($"http://127.0.0.1:{port}/health", process, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            return new CacheNode($"http://127.0.0.1:{port}", "", process, startup);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
