using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace ServiceTesting;

/// <summary>
/// A real dnsmasq (Debian's dnsmasq-base, /usr/sbin/dnsmasq) answering on 127.0.0.1 and a free
/// port, authoritative for one domain: its A/AAAA records come from a hosts file that
/// <see cref="SetHosts"/> rewrites (dnsmasq re-reads it on SIGHUP, sent to this PID only), any
/// other records from the extra arguments (<c>--srv-host=…</c>, <c>--host-record=…</c>). Dispose stops it.
/// </summary>
public sealed partial class Dnsmasq : IDisposable
{
    public const string Binary = "/usr/sbin/dnsmasq";
    private const int SigHup = 1;
    private const int SigTerm = 15;

    private readonly TempDir _dir = new();
    private readonly IReadOnlyList<string> _args;
    private readonly OutputLog _output = new(200_000);
    private Process? _process;

    /// <param name="domain">The zone dnsmasq answers for itself (NXDOMAIN for unknown names in it, never forwarded).</param>
    /// <param name="ttl">The TTL of every answer it gives (its <c>--local-ttl</c>).</param>
    /// <param name="extraArgs">More records, like <c>--srv-host=_groupcache._tcp.g.test,n1.g.test,7001</c>.</param>
    public Dnsmasq(string domain, TimeSpan ttl, IEnumerable<string>? extraArgs = null)
    {
        // dnsmasq binds TCP as well as UDP: a port from the kernel's ephemeral range, free for UDP,
        // could be held for TCP by one of the tests' outgoing connections ("Address already in use").
        // FreePort checks both, below that range.
        Port = FreePort.Next();

        // dnsmasq started as root reads its files as "nobody" after a SIGHUP: the folder must be open to it.
        SetMode(_dir.Path, (UnixFileMode)0b111_101_101);
        File.WriteAllText(HostsFile, "");
        SetMode(HostsFile, (UnixFileMode)0b110_100_100);
        _args =
        [
            "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
            "--listen-address=127.0.0.1", $"--port={Port}", $"--pid-file={Path.Combine(_dir.Path, "dnsmasq.pid")}",
            $"--addn-hosts={HostsFile}", $"--local=/{domain}/", $"--local-ttl={(int)ttl.TotalSeconds}", "--log-facility=-",
            .. extraArgs ?? [],
        ];
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>The DNS_SERVER value for a node: 127.0.0.1:port.</summary>
    public string Server => $"127.0.0.1:{Port}";

    public string Output => _output.ToString();

    private string HostsFile => Path.Combine(_dir.Path, "hosts");

    /// <summary>Starts dnsmasq and waits until it holds its port.</summary>
    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in _args)
        {
            info.ArgumentList.Add(arg);
        }

        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => _output.Append(e.Data);
        _process.ErrorDataReceived += (_, e) => _output.Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        bool listening = await TestHttp.EventuallyAsync(() => Task.FromResult(_process.HasExited || PortTaken()), TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(50));
        Assert.True(listening && !_process.HasExited, $"dnsmasq did not start on 127.0.0.1:{Port}:{Environment.NewLine}{Output}");
    }

    /// <summary>Replaces the hosts file (one "address name" line each) and, when running, makes dnsmasq re-read it.</summary>
    public void SetHosts(IEnumerable<(string Address, string Name)> records)
    {
        string text = string.Concat(records.Select(r => $"{r.Address} {r.Name}\n"));
        string temp = HostsFile + ".new";
        File.WriteAllText(temp, text);
        SetMode(temp, (UnixFileMode)0b110_100_100);
        File.Move(temp, HostsFile, overwrite: true);
        if (_process is { HasExited: false } process)
        {
            _ = SendSignal(process.Id, SigHup);
        }
    }

    /// <summary>SIGTERM to this dnsmasq, and waits until it is gone: every later query times out.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false } process)
        {
            _ = SendSignal(process.Id, SigTerm);
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
                process.WaitForExit(10_000);
            }
        }
    }

    public void Dispose()
    {
        try
        {
            Stop();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process?.Dispose();
        _dir.Dispose();
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private bool PortTaken()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, Port));
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
