using System.Net;
using System.Net.Sockets;

namespace ServiceTesting;

/// <summary>
/// A TCP proxy on a loopback address in front of one target, that breaks links on demand. A link
/// is the traffic from one sender address: every connection is put on the link of its source IP
/// (nodes bound to their own loopback addresses, 127.0.0.2, 127.0.0.3, …, tell themselves apart),
/// and a sender without a mode of its own follows the proxy's default. Modes switch while the proxy
/// runs and apply to live connections too (see <see cref="LinkMode"/>).
/// </summary>
public sealed class FaultProxy : IDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Lock _lock = new(); // guards _modes, _default, _version, _changed, _connections
    private readonly Dictionary<IPAddress, LinkMode> _modes = [];
    private readonly HashSet<ProxiedConnection> _connections = [];
    private LinkMode _default = LinkMode.Pass;
    private long _version;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _accepted;
    private long _refused;

    /// <param name="target">Where connections are forwarded.</param>
    /// <param name="listenOn">The address to listen on; 127.0.0.1 when null (a free port is picked).</param>
    public FaultProxy(IPEndPoint target, IPAddress? listenOn = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        _target = target;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(listenOn ?? IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Where clients connect.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The proxy as an http base URL.</summary>
    public string Url => $"http://{EndPoint.Address}:{EndPoint.Port}";

    public IPEndPoint Target => _target;

    /// <summary>Connections accepted so far, refused ones included.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>Connections reset at once because their link refused.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public int OpenConnections
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Sets the mode of every sender that has no mode of its own.</summary>
    public void SetDefault(LinkMode mode) => Switch(null, mode);

    /// <summary>Sets the mode of the link from <paramref name="sender"/>.</summary>
    public void SetMode(IPAddress sender, LinkMode mode)
    {
        ArgumentNullException.ThrowIfNull(sender);
        Switch(sender, mode);
    }

    /// <summary>Every link passes again (held bytes are delivered).</summary>
    public void Heal()
    {
        lock (_lock)
        {
            _modes.Clear();
        }

        Switch(null, LinkMode.Pass);
    }

    /// <summary>The mode of the link from <paramref name="sender"/> now, its version, and a task that completes at the next switch.</summary>
    internal (LinkMode Mode, long Version, Task Changed) ModeOf(IPAddress sender)
    {
        lock (_lock)
        {
            return (_modes.TryGetValue(sender, out var mode) ? mode : _default, _version, _changed.Task);
        }
    }

    internal void Forget(ProxiedConnection connection)
    {
        lock (_lock)
        {
            _connections.Remove(connection);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        ProxiedConnection[] live;
        lock (_lock)
        {
            live = [.. _connections];
            _changed.TrySetResult();
        }

        foreach (var connection in live)
        {
            connection.Reset();
        }

        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private void Switch(IPAddress? sender, LinkMode mode)
    {
        ArgumentNullException.ThrowIfNull(mode);
        TaskCompletionSource changed;
        ProxiedConnection[] toReset = [];
        lock (_lock)
        {
            if (sender is null)
            {
                _default = mode;
            }
            else
            {
                _modes[sender] = mode;
            }

            _version++;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (mode.Kind == LinkModeKind.Refuse)
            {
                toReset = [.. _connections.Where(c => (sender is null ? !_modes.ContainsKey(c.Sender) : c.Sender.Equals(sender)))];
            }
        }

        // Wakes the pumps held by a blackhole, so that they look at the new mode.
        changed.TrySetResult();
        foreach (var connection in toReset)
        {
            connection.Reset();
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            var sender = ((IPEndPoint)client.RemoteEndPoint!).Address;
            if (ModeOf(sender).Mode.Kind == LinkModeKind.Refuse)
            {
                Interlocked.Increment(ref _refused);
                ProxiedConnection.ResetSocket(client);
                continue;
            }

            var connection = new ProxiedConnection(this, client, sender, _target);
            lock (_lock)
            {
                _connections.Add(connection);
            }

            _ = connection.RunAsync();
        }
    }
}
