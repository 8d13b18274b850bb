using System.Net;
using System.Net.Sockets;

namespace ServiceTesting;

/// <summary>
/// One client connection through a <see cref="FaultProxy"/> and its connection to the target: two
/// pumps, one per direction, that look at the link's mode before forwarding each chunk they read.
/// </summary>
internal sealed class ProxiedConnection
{
    private const int ChunkBytes = 64 * 1024;

    private readonly FaultProxy _proxy;
    private readonly Socket _client;
    private readonly Socket _upstream = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _cut = new();
    private readonly Lock _budgetLock = new(); // guards _budgetVersion, _budgetUsed
    private long _budgetVersion = -1;
    private long _budgetUsed;
    private int _reset;

    public ProxiedConnection(FaultProxy proxy, Socket client, IPAddress sender, IPEndPoint target)
    {
        _proxy = proxy;
        _client = client;
        _client.NoDelay = true;
        Sender = sender;
        _target = target;
    }

    /// <summary>The client's address: the link this connection belongs to.</summary>
    public IPAddress Sender { get; }

    /// <summary>Sends an RST to a socket (linger 0, then close) instead of a clean close.</summary>
    public static void ResetSocket(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    public async Task RunAsync()
    {
        try
        {
            // A blackholed link accepts but goes no further; the target is reached only once the
            // link lets traffic through (so a blackhole never answers, not even with a reset).
            if (!await WaitForwardableAsync())
            {
                return;
            }

            await _upstream.ConnectAsync(_target, _cut.Token);
            await Task.WhenAll(PumpAsync(_client, _upstream), PumpAsync(_upstream, _client));
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Reset();
        }
        finally
        {
            if (Volatile.Read(ref _reset) == 0)
            {
                _client.Dispose();
                _upstream.Dispose();
            }

            _proxy.Forget(this);
            _cut.Dispose();
        }
    }

    /// <summary>Resets both sides (the client and the target each get an RST).</summary>
    public void Reset()
    {
        if (Interlocked.Exchange(ref _reset, 1) != 0)
        {
            return;
        }

        try
        {
            _cut.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        ResetSocket(_client);
        ResetSocket(_upstream);
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[ChunkBytes];
        while (true)
        {
            int n = await from.ReceiveAsync(buffer, SocketFlags.None, _cut.Token);
            if (n == 0)
            {
                // A clean close (FIN) is passed on as one, so that the other side sees the end.
                to.Shutdown(SocketShutdown.Send);
                return;
            }

            int offset = 0;
            while (offset < n)
            {
                var (mode, version, changed) = _proxy.ModeOf(Sender);
                switch (mode.Kind)
                {
                    case LinkModeKind.Blackhole:
                        await changed.WaitAsync(_cut.Token);
                        continue;
                    case LinkModeKind.Refuse:
                        Reset();
                        return;
                    case LinkModeKind.Delay:
                        await Task.Delay(mode.Delay, _cut.Token);
                        break;
                    case LinkModeKind.ResetAfter:
                        int allowed = Take(version, mode.Bytes, n - offset);
                        if (allowed > 0)
                        {
                            await SendAllAsync(to, buffer.AsMemory(offset, allowed));
                            offset += allowed;
                        }

                        if (offset < n || Take(version, mode.Bytes, 0) < 0)
                        {
                            Reset();
                            return;
                        }

                        continue;
                }

                await SendAllAsync(to, buffer.AsMemory(offset, n - offset));
                offset = n;
            }
        }
    }

    /// <summary>
    /// How many of <paramref name="want"/> bytes the reset-after budget still allows (the budget
    /// starts over when the link's mode switched); -1 when it is spent.
    /// </summary>
    private int Take(long version, long budget, int want)
    {
        lock (_budgetLock)
        {
            if (_budgetVersion != version)
            {
                _budgetVersion = version;
                _budgetUsed = 0;
            }

            long left = budget - _budgetUsed;
            if (left <= 0)
            {
                return -1;
            }

            int take = (int)Math.Min(left, want);
            _budgetUsed += take;
            return take;
        }
    }

    private async Task SendAllAsync(Socket to, ReadOnlyMemory<byte> data)
    {
        while (!data.IsEmpty)
        {
            int sent = await to.SendAsync(data, SocketFlags.None, _cut.Token);
            data = data[sent..];
        }
    }

    private async Task<bool> WaitForwardableAsync()
    {
        while (true)
        {
            var (mode, _, changed) = _proxy.ModeOf(Sender);
            switch (mode.Kind)
            {
                case LinkModeKind.Blackhole:
                    await changed.WaitAsync(_cut.Token);
                    break;
                case LinkModeKind.Refuse:
                    Reset();
                    return false;
                default:
                    return true;
            }
        }
    }
}
