using GroupCache.Kubernetes.Tests;
using static GroupCache.Kubernetes.Tests.Slices;

namespace Deploy.Tests;

/// <summary>
/// A real CacheApp with DISCOVERY=kubernetes against the stub API server: the node finds the API
/// through a kubeconfig (as it would outside a pod) and its ring follows the Service's slices.
/// </summary>
public sealed class KubernetesModeTests
{
    [Fact]
    public async Task CacheApp_KubernetesMode_RingAndPeersPageFollowTheServicesReadyEndpoints()
    {
        await using var api = await StubKubernetesApi.StartAsync();
        using var dir = new TempDir();
        string kubeconfig = Path.Combine(dir.Path, "kubeconfig");
        api.WriteKubeconfig(kubeconfig);
        using var source = new SourceNode(dir.Path);
        await source.StartAsync();
        using var node = new CacheNode("k8s-node", source.Url, extraEnv: new Dictionary<string, string>
        {
            ["DISCOVERY"] = "kubernetes",
            ["K8S_SERVICE"] = Service,
            ["K8S_NAMESPACE"] = Namespace,
            ["KUBECONFIG"] = kubeconfig,
            ["INITIAL_PEERS"] = "",
        });
        api.Apply(Of("cache-a", [Endpoint("127.0.0.1")], [("groupcache", node.GcPort)]));
        api.Apply(Of("cache-b", [Endpoint("127.0.0.21")], [("groupcache", node.GcPort)]));
        await node.StartAsync();

        string peers = "";
        bool followed = await TestHttp.EventuallyAsync(
            async () => (peers = (await node.PeersAsync()).ToString()).Contains($"http://127.0.0.21:{node.GcPort}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(250));
        Assert.True(followed, peers + Environment.NewLine + node.Process.Output);
        Assert.Contains("\"mode\":\"kubernetes\"", peers.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);

        // The metrics agree: two members, from the slices, and the answers that gave them.
        string metrics = "";
        bool counted = await TestHttp.EventuallyAsync(
            async () => PrometheusText.Sample(metrics = await PrometheusText.ScrapeAsync(node.ApiUrl), "cacheapp_members", "state=\"kubernetes\"") == 2,
            TimeSpan.FromSeconds(10));
        Assert.True(counted, "cacheapp_members{state=\"kubernetes\"} is not 2:\n" + metrics);
        Assert.True(PrometheusText.Sample(metrics, "cacheapp_discovery_refreshes_total", "mode=\"kubernetes\"") >= 1, metrics);

        // So does the dashboard's cluster view: both endpoints, the absent one unreachable at the API port all members share.
        var (_, cluster) = await TestHttp.GetJsonAsync($"{node.ApiUrl}/api/admin/cluster");
        var shown = cluster.GetProperty("members").EnumerateArray().ToDictionary(m => m.GetProperty("groupcacheAddr").GetString()!);
        Assert.Equal(2, shown.Count);
        Assert.All(shown.Values, m => Assert.Equal("kubernetes", m.GetProperty("state").GetString()));
        Assert.True(shown[node.GcAddr].GetProperty("reachable").GetBoolean(), shown[node.GcAddr].ToString());
        var absent = shown[$"http://127.0.0.21:{node.GcPort}"];
        Assert.Equal($"http://127.0.0.21:{node.ApiPort}", absent.GetProperty("apiAddr").GetString());
        Assert.False(absent.GetProperty("reachable").GetBoolean(), absent.ToString());

        // The endpoint turns not ready: it leaves the ring, the node stays on it.
        api.Apply(Of("cache-b", [Endpoint("127.0.0.21", ready: false)], [("groupcache", node.GcPort)]));
        bool left = await TestHttp.EventuallyAsync(
            async () => !(peers = (await node.PeersAsync()).GetProperty("ring").ToString()).Contains("127.0.0.21", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(250));
        Assert.True(left, peers);
        Assert.Contains(node.GcAddr, peers, StringComparison.Ordinal);
    }
}
