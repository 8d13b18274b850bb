using System.Net;
using System.Net.Sockets;

namespace LoadRunner.Infrastructure;

/// <summary>Free loopback ports, found by binding port 0. Never hands out the same port twice in a run.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Given = [];

    public static int Next()
    {
        lock (Given)
        {
            for (int attempt = 0; attempt < 100; attempt++)
            {
                using var socket = new TcpListener(IPAddress.Loopback, 0);
                socket.Start();
                int port = ((IPEndPoint)socket.LocalEndpoint).Port;
                socket.Stop();
                if (Given.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("no free loopback port");
    }
}
