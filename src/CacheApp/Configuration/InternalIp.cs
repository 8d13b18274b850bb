using System.Net;
using System.Net.Sockets;

namespace CacheApp.Configuration;

/// <summary>What internal-IP detection needs to know about one network interface.</summary>
/// <param name="Name">The OS name, like <c>eth0</c>, <c>wlan0</c> or <c>docker0</c>.</param>
/// <param name="IsUp">The interface is operationally up.</param>
/// <param name="IsLoopback">A loopback interface.</param>
/// <param name="IsWireless">The OS reports it as wireless even when the name does not say so.</param>
/// <param name="Addresses">Its unicast addresses, in the order the OS lists them.</param>
public sealed record NetInterface(string Name, bool IsUp, bool IsLoopback, bool IsWireless, IReadOnlyList<IPAddress> Addresses);

/// <summary>
/// Picks the address other machines of the LAN reach this node at, with the seed's four steps:
/// (1) up, non-loopback interfaces; (2) skip wireless and virtual ones; (3) the first IPv4 address
/// in 10/8, 172.16/12 or 192.168/16; (4) otherwise <c>localhost</c>. A pure function over a list of
/// interfaces, so that it is tested with fake lists and never sends a packet.
/// </summary>
public static class InternalIp
{
    public const string Fallback = "localhost";

    // Wireless (wl*, ww*) and virtual interfaces: containers, bridges, hypervisors, VPN tunnels.
    // Their addresses are private too, but other machines usually cannot reach them.
    private static readonly string[] SkippedPrefixes =
    [
        "wl", "ww", "docker", "veth", "br-", "virbr", "vmnet", "vboxnet", "tun", "tap", "utun",
        "lxc", "lxd", "cni", "flannel", "cali", "kube", "podman", "vxlan", "wg", "zt", "tailscale",
        "vethernet", "dummy", "ham", "ppp",
    ];

    public static string Detect(IEnumerable<NetInterface> interfaces)
    {
        ArgumentNullException.ThrowIfNull(interfaces);
        foreach (var nic in interfaces)
        {
            if (!nic.IsUp || nic.IsLoopback || nic.IsWireless || IsSkippedName(nic.Name))
            {
                continue;
            }

            foreach (var address in nic.Addresses)
            {
                if (IsPrivateIPv4(address))
                {
                    return address.ToString();
                }
            }
        }

        return Fallback;
    }

    /// <summary>True for the names of wireless and virtual interfaces (case-insensitive prefixes).</summary>
    public static bool IsSkippedName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (string prefix in SkippedPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True for IPv4 addresses in 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16 (RFC 1918).</summary>
    public static bool IsPrivateIPv4(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }

        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return b[0] == 10
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
            || (b[0] == 192 && b[1] == 168);
    }
}
