using System.Net;
using CacheApp.Configuration;

namespace CacheApp.Tests.Configuration;

/// <summary>DISCOVERY and its modes' settings: DNS_*, K8S_*, POD_IP.</summary>
public class DiscoverySettingsTests
{
    private const string Self = "http://10.1.2.3:8081";

    private static CacheAppSettings Load(params (string Name, string Value)[] vars)
    {
        var env = new Dictionary<string, string>();
        foreach (var (name, value) in vars)
        {
            env[name] = value; // a later value overrides an earlier one
        }

        return SettingsLoader.Load(name => env.GetValueOrDefault(name), () => "10.1.2.3");
    }

    private static string LoadError(params (string Name, string Value)[] vars) =>
        Assert.Throws<SettingsException>(() => Load(vars)).Message;

    [Fact]
    public void Discovery_Unset_IsGossip_OrStaticWhenGroupCachePeersIsSet()
    {
        Assert.Equal(DiscoveryMode.Gossip, Load().Discovery);
        Assert.Equal(DiscoveryMode.Gossip, Load(("INITIAL_PEERS", "http://10.1.2.4:8080")).Discovery);
        var fixedRing = Load(("GROUPCACHE_PEERS", Self));
        Assert.Equal(DiscoveryMode.Static, fixedRing.Discovery);
        Assert.False(fixedRing.DiscoveryEnabled);
        Assert.Equal("static", fixedRing.DiscoveryName);
    }

    [Theory]
    [InlineData("gossip", DiscoveryMode.Gossip)]
    [InlineData("DNS", DiscoveryMode.Dns)]
    [InlineData(" kubernetes ", DiscoveryMode.Kubernetes)]
    public void Discovery_NamedMode_IsTaken(string value, DiscoveryMode expected)
    {
        var s = Load(("DISCOVERY", value), ("DNS_NAME", "groupcache.default.svc.cluster.local"), ("K8S_SERVICE", "groupcache"), ("KUBECONFIG", "/home/dev/.kube/config"));

        Assert.Equal(expected, s.Discovery);
        Assert.Equal(expected == DiscoveryMode.Gossip, s.DiscoveryEnabled);
    }

    [Theory]
    [InlineData("consul")]
    [InlineData("1")]
    [InlineData("dns,gossip")]
    public void Discovery_UnknownValue_IsAnErrorNamingTheSetting(string value)
    {
        string error = LoadError(("DISCOVERY", value));

        Assert.Contains($"DISCOVERY '{value}'", error, StringComparison.Ordinal);
        Assert.Contains("gossip, static, dns or kubernetes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Discovery_StaticWithoutPeers_AndAnotherModeWithPeers_AreErrors()
    {
        Assert.Contains("DISCOVERY=static needs GROUPCACHE_PEERS", LoadError(("DISCOVERY", "static")), StringComparison.Ordinal);
        Assert.Contains("GROUPCACHE_PEERS", LoadError(("DISCOVERY", "dns"), ("DNS_NAME", "g.test"), ("GROUPCACHE_PEERS", Self)), StringComparison.Ordinal);
    }

    [Fact]
    public void Dns_AllSet_IsRead()
    {
        var s = Load(("DISCOVERY", "dns"), ("DNS_NAME", "groupcache.default.svc.cluster.local"), ("DNS_INTERVAL", "2s"), ("DNS_SERVER", "127.0.0.1:5353"));

        Assert.Equal("groupcache.default.svc.cluster.local", s.DnsName);
        Assert.Equal(TimeSpan.FromSeconds(2), s.DnsInterval);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5353), s.DnsServer);
        Assert.Equal("dns", s.DiscoveryName);
        Assert.False(s.DiscoveryEnabled);
    }

    [Fact]
    public void Dns_Defaults_FiveSecondsAndTheSystemResolver()
    {
        var s = Load(("DISCOVERY", "dns"), ("DNS_NAME", "g.test"));

        Assert.Equal(TimeSpan.FromSeconds(5), s.DnsInterval);
        Assert.Null(s.DnsServer);
    }

    [Theory]
    [InlineData("10.96.0.10", "10.96.0.10:53")]
    [InlineData("[::1]:5353", "[::1]:5353")]
    [InlineData("::1", "[::1]:53")]
    public void DnsServer_AddressWithOrWithoutPort_IsAnEndpoint(string value, string expected)
    {
        Assert.Equal(IPEndPoint.Parse(expected), Load(("DNS_SERVER", value)).DnsServer);
    }

    [Fact]
    public void Dns_WithoutDnsName_IsAnErrorNamingTheSetting()
    {
        Assert.Contains("DISCOVERY=dns needs DNS_NAME", LoadError(("DISCOVERY", "dns")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DNS_NAME", "not a name")]
    [InlineData("DNS_NAME", "10.0.0.1")]
    [InlineData("DNS_SERVER", "dns.example:53")]
    [InlineData("DNS_SERVER", "127.0.0.1:0")]
    [InlineData("DNS_SERVER", "127.0.0.1:99999")]
    [InlineData("DNS_INTERVAL", "often")]
    [InlineData("DNS_INTERVAL", "0s")]
    [InlineData("POD_IP", "my-pod")]
    [InlineData("K8S_SERVICE", "GroupCache")]
    [InlineData("K8S_NAMESPACE", "-default")]
    [InlineData("K8S_PORT_NAME", "a-port-name-over-15")]
    public void BadValue_IsAnErrorNamingTheSetting(string name, string value)
    {
        string error = LoadError(("DISCOVERY", "dns"), ("DNS_NAME", "g.test"), (name, value));

        Assert.Contains($"{name} '{value}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Kubernetes_WithoutService_IsAnError_AndItsSettingsAreRead()
    {
        Assert.Contains("DISCOVERY=kubernetes needs K8S_SERVICE", LoadError(("DISCOVERY", "kubernetes")), StringComparison.Ordinal);

        var s = Load(("DISCOVERY", "kubernetes"), ("K8S_SERVICE", "groupcache"), ("K8S_NAMESPACE", "cache"), ("K8S_PORT_NAME", "groupcache"), ("KUBERNETES_SERVICE_HOST", "kubernetes.default.svc"));

        Assert.Equal(("groupcache", "cache", "groupcache"), (s.KubernetesService, s.KubernetesNamespace, s.KubernetesPortName));
    }

    [Fact]
    public void Kubernetes_NeitherInAPodNorWithAKubeconfig_IsAnErrorNamingBoth()
    {
        string error = LoadError(("DISCOVERY", "kubernetes"), ("K8S_SERVICE", "groupcache"));

        Assert.Contains("DISCOVERY=kubernetes needs the Kubernetes API", error, StringComparison.Ordinal);
        Assert.Contains("KUBERNETES_SERVICE_HOST", error, StringComparison.Ordinal);
        Assert.Contains("KUBECONFIG", error, StringComparison.Ordinal);
    }

    [Fact]
    public void PodIp_IsTheSelfHost_UnlessSelfHostIsSet()
    {
        var fromPod = Load(("DISCOVERY", "dns"), ("DNS_NAME", "g.test"), ("POD_IP", "10.244.1.7"));
        Assert.Equal("10.244.1.7", fromPod.SelfHost);
        Assert.Equal("http://10.244.1.7:8081", fromPod.SelfGroupCacheAddr);

        var v6 = Load(("POD_IP", "fd00::7"));
        Assert.Equal("http://[fd00::7]:8081", v6.SelfGroupCacheAddr);

        Assert.Equal("http://127.0.0.5:8081", Load(("POD_IP", "10.244.1.7"), ("SELF_HOST", "127.0.0.5")).SelfGroupCacheAddr);
    }
}
