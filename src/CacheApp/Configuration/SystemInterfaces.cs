using System.Net.NetworkInformation;

namespace CacheApp.Configuration;

/// <summary>Reads this machine's interfaces for <see cref="InternalIp"/>; the only impure part of detection.</summary>
public static class SystemInterfaces
{
    public static IReadOnlyList<NetInterface> List()
    {
        var result = new List<NetInterface>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                var addresses = nic.GetIPProperties().UnicastAddresses.Select(a => a.Address).ToArray();
                result.Add(new NetInterface(
                    nic.Name,
                    nic.OperationalStatus == OperationalStatus.Up,
                    nic.NetworkInterfaceType == NetworkInterfaceType.Loopback,
                    nic.NetworkInterfaceType == NetworkInterfaceType.Wireless80211,
                    addresses));
            }
        }
        catch (NetworkInformationException)
        {
            // No interface list (a locked-down container): detection falls back to localhost.
        }

        return result;
    }

    public static string DetectInternalHost() => InternalIp.Detect(List());
}
