using System.Net;
using System.Net.Sockets;

namespace ServiceTesting;

public static class FreePort
{
    /// <summary>A port on 127.0.0.1 that was free a moment ago (bind port 0, read it, let go).</summary>
    public static int Next() => Next(IPAddress.Loopback);

    /// <summary>A port on <paramref name="address"/> (a loopback address) that was free a moment ago.</summary>
    public static int Next(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
