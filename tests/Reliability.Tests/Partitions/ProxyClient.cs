using System.Net;
using System.Net.Sockets;

namespace Reliability.Tests.Partitions;

/// <summary>How a read through the proxy ended.</summary>
internal enum ReadEnd
{
    /// <summary>As many bytes as asked for arrived.</summary>
    Complete,

    /// <summary>Nothing more within the time allowed; the connection is still open.</summary>
    Silent,

    /// <summary>The other side closed cleanly (FIN).</summary>
    Closed,

    /// <summary>The other side reset the connection (RST).</summary>
    Reset,
}

/// <summary>A raw TCP client of a <see cref="ServiceTesting.FaultProxy"/>, connecting from a given loopback address (its link).</summary>
internal sealed class ProxyClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

    private ProxyClient()
    {
    }

    public static async Task<ProxyClient> ConnectAsync(IPEndPoint proxy, IPAddress from)
    {
        var client = new ProxyClient();
        client._socket.Bind(new IPEndPoint(from, 0));
        await client._socket.ConnectAsync(proxy);
        return client;
    }

    public async Task SendAsync(byte[] data) => await _socket.SendAsync(data, SocketFlags.None);

    /// <summary>Reads until <paramref name="count"/> bytes arrived, the connection ended, or <paramref name="timeout"/> passed.</summary>
    public async Task<(ReadEnd End, byte[] Data)> ReadAsync(int count, TimeSpan timeout)
    {
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (received.Count < count)
            {
                int n = await _socket.ReceiveAsync(buffer.AsMemory(0, Math.Min(buffer.Length, count - received.Count)), SocketFlags.None, cts.Token);
                if (n == 0)
                {
                    return (ReadEnd.Closed, [.. received]);
                }

                received.AddRange(buffer.AsSpan(0, n));
            }

            return (ReadEnd.Complete, [.. received]);
        }
        catch (OperationCanceledException)
        {
            return (ReadEnd.Silent, [.. received]);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            return (ReadEnd.Reset, [.. received]);
        }
    }

    public void Dispose() => _socket.Dispose();
}
