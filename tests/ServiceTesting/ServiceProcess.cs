using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace ServiceTesting;

/// <summary>
/// A service run as a real child process (<c>dotnet X.dll</c>) with its output kept for failure
/// messages; signals go to its PID only. Dispose continues it (if stopped) and kills it.
/// </summary>
public sealed partial class ServiceProcess : IDisposable
{
    private const int SigKill = 9;
    private const int SigTerm = 15;
    private const int SigCont = 18;
    private const int SigStop = 19;

    // Variables a developer's shell or CI may carry that would change the service under test.
    private static readonly string[] Scrubbed =
    [
        "API_PORT", "GROUPCACHE_PORT", "SELF_HOST", "SELF_API_ADDR", "SELF_GROUPCACHE_ADDR", "INITIAL_PEERS",
        "SOURCEAPP_SERVICE_URL", "GROUP_NAME", "CACHE_BYTES", "GROUPCACHE_PEERS", "BIND_HOST", "OUTGOING_BIND_HOST", "NODE_NAME",
        "SOURCE_TIMEOUT", "SOURCE_HEALTH_INTERVAL", "PEER_TIMEOUT", "CACHE_TTL", "GOSSIP_INTERVAL",
        "MEMBER_DEAD_AFTER", "MEMBER_FORGET_AFTER", "CLUSTER_SECRET", "MAX_VALUE_BYTES", "SOURCEAPP_TOKEN",
        "DISCOVERY", "DNS_NAME", "DNS_INTERVAL", "DNS_SERVER", "POD_IP", "K8S_SERVICE", "K8S_NAMESPACE", "K8S_PORT_NAME",
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "DOTNET_URLS", "OTEL_EXPORTER_OTLP_ENDPOINT",
    ];

    private readonly Process _process;
    private readonly OutputLog _output = new(1_000_000);
    private bool _stopped;

    private ServiceProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => _output.ToString();

    /// <summary>
    /// Starts <c>dotnet {dll} {args}</c> from the test's output folder, or the published executable
    /// that <see cref="PublishedBinary"/> names for that dll (a Native AOT build, say).
    /// </summary>
    public static ServiceProcess Start(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> env)
    {
        string? binary = PublishedBinary(dll);
        var info = new ProcessStartInfo(binary ?? DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // A published service reads its appsettings.json from where it was published.
            WorkingDirectory = binary is null ? AppContext.BaseDirectory : Path.GetDirectoryName(binary)!,
        };
        if (binary is null)
        {
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        }

        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string key in Scrubbed)
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in env)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var service = new ServiceProcess(name, process);
        process.OutputDataReceived += (_, e) => service._output.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service._output.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>
    /// The executable to run instead of <c>dotnet {dll}</c>: CACHEAPP_BINARY for CacheApp.dll and
    /// SOURCEAPP_BINARY for SourceApp.dll, when set (test.sh sets CACHEAPP_BINARY to the Native AOT
    /// publish for its second pass over the cluster tests); null otherwise.
    /// </summary>
    public static string? PublishedBinary(string dll)
    {
        string variable = Path.GetFileNameWithoutExtension(dll).ToUpperInvariant() + "_BINARY";
        if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } path)
        {
            return null;
        }

        string full = Path.GetFullPath(path);
        return File.Exists(full) ? full : throw new FileNotFoundException($"{variable} names {full}, which does not exist", full);
    }

    /// <summary>The dotnet host running the tests, so that children use the same runtime.</summary>
    public static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit; false if it still runs.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL (the process gets no chance to say goodbye), and waits until the process is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            Signal(SigKill);
            _process.WaitForExit(10_000);
        }
    }

    /// <summary>SIGSTOP: the process hangs; its sockets stay open and the kernel still accepts connections.</summary>
    public void Stop()
    {
        _stopped = true;
        Signal(SigStop);
    }

    /// <summary>SIGCONT after <see cref="Stop"/>.</summary>
    public void Continue()
    {
        Signal(SigCont);
        _stopped = false;
    }

    /// <summary>SIGTERM, as an orchestrator or <c>kill PID</c> stops a service.</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>The resident set size (VmRSS of /proc/PID/status) in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"no VmRSS for {Name} ({Pid})");
    }

    public void Dispose()
    {
        try
        {
            if (_stopped)
            {
                Continue();
            }

            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private void Signal(int signal)
    {
        if (!_process.HasExited)
        {
            _ = SendSignal(_process.Id, signal);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
