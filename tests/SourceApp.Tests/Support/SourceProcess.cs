using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SourceApp.Tests.Support;

/// <summary>
/// The real built service (<c>dotnet SourceApp.dll ...</c>, copied next to the tests by the project
/// reference) as a child process. It listens on 127.0.0.1 port 0 unless told otherwise, and the test
/// learns the port from the start-up log line, so there is no race for a port. Dispose kills only this
/// process.
/// </summary>
public sealed partial class SourceProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SourceProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var info = StartInfo(args, environment);
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException("SourceApp exited before listening:\n" + Output));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "SourceApp.dll");

    public int Id => _process.Id;

    public string Output => string.Join('\n', _output);

    /// <summary>Starts the service and waits until it logged its listening address.</summary>
    public static async Task<(SourceProcess Process, HttpClient Client)> StartAsync(
        IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = new SourceProcess(args, environment);
        try
        {
            var address = await process._listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return (process, new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) });
        }
        catch
        {
            process.Dispose();
            throw;
        }
    }

    /// <summary>Runs the service to its exit (for flag errors and --help) and returns what it printed.</summary>
    public static async Task<(int ExitCode, string StdOut, string StdErr)> RunToExitAsync(params string[] args)
    {
        using var process = Process.Start(StartInfo(args, null))!;
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            return (process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: false);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(DllPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // Nothing from the test runner's environment may redirect the service elsewhere.
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("ASPNETCORE_HTTP_PORTS");
        info.Environment.Remove("SOURCEAPP_TOKEN");
        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"listening on (http://[^\s,]+)")]
    private static partial Regex ListeningLine();
}
