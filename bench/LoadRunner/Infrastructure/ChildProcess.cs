using System.Diagnostics;
using System.Globalization;

namespace LoadRunner.Infrastructure;

/// <summary>
/// A process the runner started. Output goes to a log file; stopping kills exactly this PID (never by
/// name), and every live child is killed when the runner exits, fails or is interrupted.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly Lock RegistryLock = new(); // guards Live
    private static readonly HashSet<ChildProcess> Live = [];

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new(); // guards _log, _lineHandlers

    private readonly List<Action<string>> _lineHandlers = [];

    private ChildProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        _process = process;
        _log = log;
        StartedAt = Stopwatch.GetTimestamp();
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public long StartedAt { get; }

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> args, string logPath,
        IReadOnlyDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (env is not null)
        {
            foreach (var (k, v) in env)
            {
                info.Environment[k] = v;
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, log);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        lock (RegistryLock)
        {
            process.Start();
            Live.Add(child);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Calls <paramref name="handler"/> for each later line of output (stdout and stderr).</summary>
    public void OnOutputLine(Action<string> handler)
    {
        lock (_logLock)
        {
            _lineHandlers.Add(handler);
        }
    }

    public string LogTail(int lines = 20)
    {
        try
        {
            using var stream = new FileStream(((FileStream)_log.BaseStream).Name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(log unreadable: {e.Message})";
        }
    }

    /// <summary>Sends SIGINT (wrk then reports what it measured so far).</summary>
    public void Interrupt()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-INT", Pid.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    public int ExitCode => _process.ExitCode;

    /// <summary>Stops this one process: SIGTERM (graceful), then SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        try
        {
            if (!_process.HasExited)
            {
                using (var term = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]))
                {
                    await term.WaitForExitAsync().ConfigureAwait(false);
                }

                using var cts = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(5));
                try
                {
                    await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: false);
                    await _process.WaitForExitAsync().ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped: nothing to stop.
        }
        finally
        {
            lock (RegistryLock)
            {
                Live.Remove(this);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _process.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    /// <summary>The PIDs of every child still running.</summary>
    public static int[] LivePids()
    {
        lock (RegistryLock)
        {
            return [.. Live.Where(c => !c._process.HasExited).Select(c => c.Pid)];
        }
    }

    /// <summary>Kills every child still running, by PID. For Ctrl-C and fatal errors.</summary>
    public static void KillAll()
    {
        ChildProcess[] all;
        lock (RegistryLock)
        {
            all = [.. Live];
            Live.Clear();
        }

        foreach (var child in all)
        {
            try
            {
                if (!child._process.HasExited)
                {
                    child._process.Kill(entireProcessTree: false);
                }
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        Action<string>[] handlers;
        lock (_logLock)
        {
            _log.WriteLine(line);
            handlers = [.. _lineHandlers];
        }

        foreach (var h in handlers)
        {
            h(line);
        }
    }
}
