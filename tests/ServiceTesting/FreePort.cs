using System.Net;
using System.Net.Sockets;

namespace ServiceTesting;

public static class FreePort
{
    /// <summary>A port on 127.0.0.1 that was free a moment ago (bind port 0, read it, let go).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
