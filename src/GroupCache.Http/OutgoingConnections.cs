using System.Net;
using System.Net.Sockets;

namespace GroupCache.Http;

/// <summary>
/// Opens outgoing TCP connections, optionally from a given local address. A node bound to one
/// address of several on a host (a loopback address of its own, one interface of a multi-homed
/// machine) then also connects from it, so that the other side — a firewall rule, or a test's
/// fault-injection proxy — can tell which node a connection comes from.
/// </summary>
public static class OutgoingConnections
{
    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/>, bound to <paramref name="localAddress"/> first when it is set.</summary>
    public static async ValueTask<Socket> ConnectAsync(string host, int port, IPAddress? localAddress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);

        // Bound to a local address, the socket takes its family; otherwise it is dual-mode, as
        // SocketsHttpHandler's own sockets are.
        var socket = localAddress is null
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(localAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        try
        {
            if (localAddress is not null)
            {
                socket.Bind(new IPEndPoint(localAddress, 0));
            }

            await socket.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Why connections cannot start from <paramref name="localAddress"/> (the system's words, like
    /// "Cannot assign requested address"), or null when they can: it binds a socket to the address
    /// and a port the system picks, and closes it. Nothing is sent.
    /// </summary>
    public static string? BindProblem(IPAddress localAddress)
    {
        ArgumentNullException.ThrowIfNull(localAddress);
        try
        {
            using var socket = new Socket(localAddress.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(localAddress, 0));
            return null;
        }
        catch (SocketException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>A <see cref="SocketsHttpHandler.ConnectCallback"/> whose connections start from <paramref name="localAddress"/>.</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> From(IPAddress localAddress)
    {
        ArgumentNullException.ThrowIfNull(localAddress);
        return async (context, cancellationToken) =>
        {
            var socket = await ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, localAddress, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        };
    }
}
