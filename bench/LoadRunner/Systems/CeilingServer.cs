using LoadRunner.Infrastructure;

namespace LoadRunner.Systems;

/// <summary>bench/KestrelCeiling: the fastest any ASP.NET Core service can answer on this machine.</summary>
public static class CeilingServer
{
    public static async Task<CacheNode> StartAsync(RepoPaths paths, string logDir)
    {
        int port = FreePort.Next();
        var process = ChildProcess.Start("kestrel-ceiling", "dotnet", [paths.CeilingDll, "--urls", $"http://127.0.0.1:{port}"],
            Path.Combine(logDir, $"ceiling-{port}.log"), workingDirectory: Path.GetDirectoryName(paths.CeilingDll));
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
