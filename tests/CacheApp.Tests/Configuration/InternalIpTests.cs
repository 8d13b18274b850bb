using System.Net;
using CacheApp.Configuration;

namespace CacheApp.Tests.Configuration;

// Pure function over fake interface lists: these tests never send traffic to any address.
public class InternalIpTests
{
    private static NetInterface Nic(string name, params string[] addresses) =>
        new(name, IsUp: true, IsLoopback: false, IsWireless: false, [.. addresses.Select(IPAddress.Parse)]);

    [Theory]
    [InlineData("10.0.0.0", true)]
    [InlineData("10.255.255.255", true)]
    [InlineData("9.255.255.255", false)]
    [InlineData("11.0.0.1", false)]
    [InlineData("172.15.255.255", false)]
    [InlineData("172.16.0.0", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("172.32.0.0", false)]
    [InlineData("192.167.255.255", false)]
    [InlineData("192.168.0.0", true)]
    [InlineData("192.168.255.255", true)]
    [InlineData("192.169.0.0", false)]
    [InlineData("8.8.8.8", false)]
    [InlineData("127.0.0.1", false)]
    [InlineData("169.254.1.1", false)]
    [InlineData("fd00::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    public void IsPrivateIPv4_RangeEdges_MatchRfc1918(string address, bool expected)
    {
        Assert.Equal(expected, InternalIp.IsPrivateIPv4(IPAddress.Parse(address)));
    }

    [Fact]
    public void Detect_NoInterfaces_ReturnsLocalhost()
    {
        Assert.Equal("localhost", InternalIp.Detect([]));
    }

    [Fact]
    public void Detect_PlainEthernet_ReturnsItsPrivateAddress()
    {
        Assert.Equal("192.168.1.100", InternalIp.Detect([Nic("eth0", "192.168.1.100")]));
    }

    [Fact]
    public void Detect_DownInterface_IsSkipped()
    {
        var down = new NetInterface("eth0", IsUp: false, IsLoopback: false, IsWireless: false, [IPAddress.Parse("10.0.0.5")]);
        Assert.Equal("10.0.0.6", InternalIp.Detect([down, Nic("eth1", "10.0.0.6")]));
    }

    [Fact]
    public void Detect_LoopbackInterface_IsSkippedEvenWithAPrivateAddress()
    {
        var lo = new NetInterface("lo", IsUp: true, IsLoopback: true, IsWireless: false, [IPAddress.Parse("10.1.1.1")]);
        Assert.Equal("localhost", InternalIp.Detect([lo]));
    }

    [Theory]
    [InlineData("wlan0")]
    [InlineData("wlp3s0")]
    [InlineData("docker0")]
    [InlineData("veth1a2b3c")]
    [InlineData("br-5f3e2a")]
    [InlineData("virbr0")]
    [InlineData("vmnet8")]
    [InlineData("vboxnet0")]
    [InlineData("tun0")]
    [InlineData("tap0")]
    [InlineData("Docker0")]
    public void Detect_WirelessOrVirtualByName_IsSkipped(string name)
    {
        Assert.Equal("172.20.0.9", InternalIp.Detect([Nic(name, "172.17.0.1"), Nic("eth0", "172.20.0.9")]));
    }

    [Fact]
    public void Detect_ReportedWirelessWithPlainName_IsSkipped()
    {
        var wifi = new NetInterface("eth9", IsUp: true, IsLoopback: false, IsWireless: true, [IPAddress.Parse("192.168.0.50")]);
        Assert.Equal("localhost", InternalIp.Detect([wifi]));
    }

    [Fact]
    public void Detect_PublicAndIPv6Addresses_AreSkippedForALaterPrivateOne()
    {
        var nic = Nic("eth0", "fe80::1", "203.0.113.7", "172.32.0.1", "172.16.5.4");
        Assert.Equal("172.16.5.4", InternalIp.Detect([nic]));
    }

    [Fact]
    public void Detect_OnlyPublicAddresses_ReturnsLocalhost()
    {
        Assert.Equal("localhost", InternalIp.Detect([Nic("eth0", "8.8.4.4", "172.15.0.1")]));
    }

    [Fact]
    public void Detect_TwoQualifyingInterfaces_ReturnsTheFirst()
    {
        Assert.Equal("10.9.8.7", InternalIp.Detect([Nic("eno1", "10.9.8.7"), Nic("eth1", "192.168.3.3")]));
    }

    [Theory]
    [InlineData("eth0", false)]
    [InlineData("enp0s31f6", false)]
    [InlineData("eno1", false)]
    [InlineData("wlan0", true)]
    [InlineData("br-abc", true)]
    [InlineData("br0", false)]
    public void IsSkippedName_Examples_MatchThePrefixes(string name, bool skipped)
    {
        Assert.Equal(skipped, InternalIp.IsSkippedName(name));
    }
}
