using System.Net;
using System.Net.Sockets;

namespace ServiceTesting;

/// <summary>
/// Ports for the servers the tests start. They come from below Linux's ephemeral range
/// (32768–60999), where the kernel picks the local port of every outgoing connection: a port found
/// by binding port 0 lies in that range, and a client connection could take it before the server
/// started for it binds (seen once 24 nodes started over a minute, each picked up front). Each test
/// process walks the range from a random start, so it never hands out the same port twice.
/// </summary>
public static class FreePort
{
    private const int First = 20000;
    private const int Last = 32000;
    private static readonly Lock Gate = new();
    private static int NextPort = First + Random.Shared.Next(Last - First);

    /// <summary>A port on 127.0.0.1 that was free a moment ago.</summary>
    public static int Next() => Next(IPAddress.Loopback);

    /// <summary>A port on <paramref name="address"/> (a loopback address) free a moment ago for TCP and UDP.</summary>
    public static int Next(IPAddress address)
    {
        lock (Gate)
        {
            for (int tries = 0; tries <= Last - First; tries++)
            {
                int port = NextPort;
                NextPort = NextPort == Last ? First : NextPort + 1;
                if (IsFree(address, port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free port on {address} between {First} and {Last}");
    }

    private static bool IsFree(IPAddress address, int port)
    {
        try
        {
            using var tcp = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(address, port));
            using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
