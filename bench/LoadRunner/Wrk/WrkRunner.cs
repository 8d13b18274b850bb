using System.Globalization;
using System.Text.Json;
using LoadRunner.Infrastructure;

namespace LoadRunner.Wrk;

/// <summary>Runs wrk with bench/wrk/keys.lua and parses the one JSON line its done() prints.</summary>
public sealed class WrkRunner(RepoPaths paths, string logDir, int threads, int connections)
{
    private int _runs;

    public int Threads => threads;

    /// <summary>Uniform or Zipf selection over the keys in <paramref name="keyFile"/>, for <paramref name="duration"/>.</summary>
    public Task<WrkResult> RunKeysAsync(string baseUrl, string mode, string keyFile, TimeSpan duration) =>
        RunAsync(baseUrl, [mode, keyFile], duration, stopWhenDone: false);

    /// <summary>
    /// Keys prefix+START.. prefix+START+COUNT-1, each once, until they are used up or <paramref name="limit"/>
    /// passes; whichever comes first ends the run and the rate is over the true elapsed time.
    /// </summary>
    public Task<WrkResult> RunFreshAsync(string baseUrl, string prefix, long start, long count, int width, TimeSpan limit) =>
        RunAsync(baseUrl,
            ["fresh", prefix, Str(start), Str(count), Str(width), Str(threads)],
            limit, stopWhenDone: true);

    private async Task<WrkResult> RunAsync(string baseUrl, string[] scriptArgs, TimeSpan duration, bool stopWhenDone)
    {
        int run = Interlocked.Increment(ref _runs);
        string[] args =
        [
            "-t", Str(threads), "-c", Str(connections),
            "-d", Str((long)Math.Ceiling(duration.TotalSeconds)) + "s",
            "--timeout", "10s", "--latency",
            "-s", paths.WrkScript, baseUrl, "--", .. scriptArgs,
        ];
        await using var wrk = ChildProcess.Start("wrk", "wrk", args, Path.Combine(logDir, $"wrk-{run:D3}.log"));
        string? json = null;
        double wrkCpu = 0;
        int threadsDone = 0;
        bool interrupted = false;
        wrk.OnOutputLine(line =>
        {
            if (line.StartsWith("WRKJSON ", StringComparison.Ordinal))
            {
                wrkCpu = CpuMeter.ProcessSeconds(wrk.Pid); // still alive: it is printing
                json = line["WRKJSON ".Length..];
            }
            else if (stopWhenDone && line == "WRKTHREADDONE" && Interlocked.Increment(ref threadsDone) == threads)
            {
                // wrk would sit out the rest of -d; SIGINT makes it report now, over the elapsed time.
                interrupted = true;
                wrk.Interrupt();
            }
        });

        using var cts = new CancellationTokenSource(duration + TimeSpan.FromSeconds(30));
        await wrk.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        await Task.Delay(50).ConfigureAwait(false); // let the last output line be delivered
        if (json is null)
        {
            throw new InvalidOperationException($"wrk printed no result (exit {wrk.ExitCode}):\n{wrk.LogTail()}");
        }

        var result = JsonSerializer.Deserialize<WrkResult>(json) ?? throw new InvalidOperationException("empty wrk result");
        return result with { Exhausted = interrupted, WrkCpuSeconds = wrkCpu };
    }

    private static string Str(long n) => n.ToString(CultureInfo.InvariantCulture);
}
