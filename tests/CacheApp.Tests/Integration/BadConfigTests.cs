using System.Net;
using System.Net.Sockets;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Integration;

/// <summary>A misconfigured node stops at start with a message and a non-zero exit code.</summary>
[Trait("Category", "Cluster")] // also run against the Native AOT build (test.sh)
public class BadConfigTests
{
    [Theory]
    [InlineData("API_PORT", "eighty")]
    [InlineData("GROUPCACHE_PORT", "99999")]
    [InlineData("CACHE_BYTES", "lots")]
    [InlineData("INITIAL_PEERS", "ftp://127.0.0.1:21")]
    [InlineData("GROUPCACHE_PEERS", "http://127.0.0.1:1")]
    [InlineData("SOURCEAPP_SERVICE_URL", "127.0.0.1:8086")]
    [InlineData("MEMBER_DEAD_AFTER", "never")]
    [InlineData("SOURCE_TIMEOUT", "-5s")]
    [InlineData("DISCOVERY", "consul")]
    [InlineData("DNS_SERVER", "dns.example:53")]
    [InlineData("CACHE_TTL", "900000h")] // these four were taken, then failed with a stack trace
    [InlineData("SOURCE_HEALTH_INTERVAL", "1200h")]
    [InlineData("SOURCE_TIMEOUT", "600h")]
    [InlineData("CLUSTER_SECRET", "tab\there")]
    public async Task Start_BadValue_ExitsNonZeroNamingTheVariable(string name, string value)
    {
        using var node = new CacheNode("bad", "http://127.0.0.1:1", extraEnv: new Dictionary<string, string> { [name] = value });

        node.Launch();

        Assert.True(await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the node kept running with a bad setting");
        Assert.NotEqual(0, node.Process.ExitCode);
        Assert.Contains(name, node.Process.Output);
        Assert.Contains("invalid configuration", node.Process.Output);
        Assert.DoesNotContain("   at ", node.Process.Output);
    }

    [Fact]
    public async Task Start_KubernetesDiscoveryOutsideAPodWithoutKubeconfig_ExitsWithASettingsErrorNotACrash()
    {
        using var node = new CacheNode("k8s", "http://127.0.0.1:1", extraEnv: new Dictionary<string, string> { ["DISCOVERY"] = "kubernetes", ["K8S_SERVICE"] = "groupcache" });

        node.Launch();

        Assert.True(await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the node kept running without a way to reach the Kubernetes API");
        Assert.Equal(2, node.Process.ExitCode);
        Assert.Contains("DISCOVERY=kubernetes needs the Kubernetes API", node.Process.Output);
        Assert.DoesNotContain("   at ", node.Process.Output);
    }

    [Fact]
    public async Task Start_ApiPortBusy_ExitsNonZeroWithAClearMessage()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        using var node = new CacheNode("busy", "http://127.0.0.1:1", apiPort: port);

        node.Launch();

        Assert.True(await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the node kept running on a busy port");
        Assert.NotEqual(0, node.Process.ExitCode);
        Assert.Contains("cannot listen", node.Process.Output);
    }

    [Fact]
    public async Task Start_BindHostNotOnThisHost_ExitsWithACannotListenMessageNotACrash()
    {
        // 192.0.2.1 (TEST-NET-1) is on no interface here: the bind fails, nothing is sent anywhere.
        using var node = new CacheNode("nowhere", "http://127.0.0.1:1", extraEnv: new Dictionary<string, string> { ["BIND_HOST"] = "192.0.2.1" });

        node.Launch();

        Assert.True(await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the node kept running without its listeners");
        Assert.Equal(1, node.Process.ExitCode);
        Assert.Contains("cannot listen on API_PORT", node.Process.Output);
        Assert.DoesNotContain("Unhandled exception", node.Process.Output); // the runtime's crash report (exit 134)
    }

    [Fact]
    public async Task Start_LongestSourceTimeout_StartsAndAnswers()
    {
        using var node = new CacheNode("slow-source", "http://127.0.0.1:1", extraEnv: new Dictionary<string, string> { ["SOURCE_TIMEOUT"] = "576h" });

        await node.StartAsync(); // fails with the node's output if it exits instead

        Assert.False(node.Process.HasExited);
    }
}
