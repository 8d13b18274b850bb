using System.Net;
using System.Text.Json;
using GroupCache.Kubernetes.Tests;
using Xunit.Abstractions;
using static GroupCache.Kubernetes.Tests.Slices;
using DataRequests = CacheApp.Tests.Freshness.Freshness;

namespace CacheApp.Tests.Integration;

/// <summary>
/// A node whose DNS or Kubernetes discovery has never answered runs on a ring of itself alone, for
/// want of an answer: it must not confirm an invalidation (DELETE, or the one after a write-through
/// PUT) as the cluster's, and with Kubernetes discovery it is not ready. Once discovery answers,
/// both are as usual. Real nodes, a real source, a real dnsmasq, and a stub Kubernetes API server on
/// 127.0.0.1. (Not in the "Cluster" category: the Native AOT build has no Kubernetes discovery.)
/// </summary>
public sealed class DiscoveryNotAnsweredTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task KubernetesListForbidden_NotReadyAndInvalidationsAnswer503_UntilTheListAnswers()
    {
        await using var api = await StubKubernetesApi.StartAsync();
        api.SetForbidden(true);
        string kubeconfig = Path.Combine(_dir.Path, "kubeconfig");
        api.WriteKubeconfig(kubeconfig);
        using var source = new SourceNode(_dir.Path);
        await source.StartAsync();
        using var node = new CacheNode("k8s-forbidden", source.Url, extraEnv: new Dictionary<string, string>
        {
            ["DISCOVERY"] = "kubernetes",
            ["K8S_SERVICE"] = Service,
            ["K8S_NAMESPACE"] = Namespace,
            ["KUBECONFIG"] = kubeconfig,
        });
        await node.StartAsync();
        bool refused = await TestHttp.EventuallyAsync(
            async () => (await node.PeersAsync()).GetProperty("discoveryStatus").GetProperty("failures").GetInt64() > 0,
            Patience,
            TimeSpan.FromMilliseconds(100));
        Assert.True(refused, $"the refused list did not show in /api/admin/peers:\n{node.Process.Output}");

        // The list is refused: no DELETE or PUT is confirmed, and the node is not ready although its
        // source answers (its check is healthy), for that reason.
        await AssertWritesRefusedAsync(node, source, "k8s", "Kubernetes discovery");
        var discovery = await ReadyCheckWhenSourceIsHealthyAsync(node, "discovery");
        Assert.Equal("unhealthy", discovery.GetProperty("status").GetString());
        string reason = discovery.GetProperty("description").GetString()!;
        output.WriteLine("not ready: " + reason);
        Assert.Contains($"Kubernetes discovery of service {Service} has not answered yet", reason);
        Assert.Contains("403", reason);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await TestHttp.GetJsonAsync(node.ApiUrl + "/health/ready")).Status);

        // RBAC fixed, but the Service has no EndpointSlices (as with a misspelt K8S_SERVICE or
        // K8S_NAMESPACE): the list answers and names nobody, so the node still cannot speak for the cluster.
        api.SetForbidden(false);
        bool listed = await TestHttp.EventuallyAsync(
            async () => (await node.PeersAsync()).GetProperty("discoveryStatus").GetProperty("refreshes").GetInt64() > 0,
            Patience,
            TimeSpan.FromMilliseconds(100));
        Assert.True(listed, $"the allowed list never answered:\n{node.Process.Output}");
        await AssertWritesRefusedAsync(node, source, "k8s-empty", "Kubernetes discovery");
        var empty = await ReadyCheckWhenSourceIsHealthyAsync(node, "discovery");
        Assert.Equal("unhealthy", empty.GetProperty("status").GetString());
        Assert.Contains($"has no EndpointSlices", empty.GetProperty("description").GetString());

        // The slice appears and names this node: ready, and invalidations are confirmed again.
        api.Apply(Of("cache-a", [Endpoint("127.0.0.1")], [("groupcache", node.GcPort)]));
        await AssertAnsweredAsync(node, source, "k8s");
    }

    [Fact]
    public async Task DnsNameWithoutRecords_InvalidationsAnswer503AndReadinessSaysDegraded_UntilTheNameResolves()
    {
        const string domain = "cluster.test";
        const string name = "groupcache." + domain;
        using var dns = new Dnsmasq(domain, TimeSpan.FromSeconds(1));
        await dns.StartAsync(); // authoritative for the domain, with no record of the name: NXDOMAIN
        using var source = new SourceNode(_dir.Path);
        await source.StartAsync();
        using var node = new CacheNode("dns-unanswered", source.Url, extraEnv: new Dictionary<string, string>
        {
            ["DISCOVERY"] = "dns",
            ["DNS_NAME"] = name,
            ["DNS_SERVER"] = dns.Server,
            ["DNS_INTERVAL"] = "1s",
        });
        await node.StartAsync();
        await AssertWritesRefusedAsync(node, source, "dns", "DNS discovery");

        // Ready (the name lists only ready pods: waiting for it would keep every pod out), but the
        // readiness body says why the node cannot speak for the cluster.
        var discovery = await ReadyCheckWhenSourceIsHealthyAsync(node, "discovery");
        Assert.Equal("degraded", discovery.GetProperty("status").GetString());
        output.WriteLine("degraded: " + discovery.GetProperty("description").GetString());
        Assert.Contains($"DNS discovery of {name} has not answered yet", discovery.GetProperty("description").GetString());
        Assert.Equal(HttpStatusCode.OK, (await TestHttp.GetJsonAsync(node.ApiUrl + "/health/ready")).Status);

        // The record appears: invalidations are confirmed again.
        dns.SetHosts([("127.0.0.1", name)]);
        await AssertAnsweredAsync(node, source, "dns");
    }

    /// <summary>
    /// The check named <paramref name="name"/> of /health/ready, read once the source's check is
    /// healthy (so that what the body says of discovery is not hidden behind a source not yet checked).
    /// </summary>
    private static async Task<JsonElement> ReadyCheckWhenSourceIsHealthyAsync(CacheNode node, string name)
    {
        JsonElement body = default;
        bool sourceChecked = await TestHttp.EventuallyAsync(
            async () =>
            {
                body = (await TestHttp.GetJsonAsync(node.ApiUrl + "/health/ready")).Body;
                return Check(body, "source").GetProperty("status").GetString() == "healthy";
            },
            Patience,
            TimeSpan.FromMilliseconds(100));
        Assert.True(sourceChecked, $"the source's check never became healthy: {body}\n{node.Process.Output}");
        return Check(body, name);
    }

    private static JsonElement Check(JsonElement ready, string name) =>
        ready.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>DELETE and write-through PUT answer 503 naming the discovery; the PUT wrote nothing.</summary>
    private async Task AssertWritesRefusedAsync(CacheNode node, SourceNode source, string key, string discovery)
    {
        var (deleted, deleteBody, _) = await DataRequests.SendAsync(HttpMethod.Delete, DataRequests.DataUrl(node.ApiUrl, key));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, deleted);
        output.WriteLine("DELETE: " + deleteBody);
        Assert.Contains(discovery + " of", deleteBody.GetProperty("error").GetString());
        Assert.Contains("has not answered yet", deleteBody.GetProperty("error").GetString());
        Assert.DoesNotContain("last error", deleteBody.GetProperty("error").GetString(), StringComparison.Ordinal); // the cause is the operator's, in readiness

        var (put, putBody, _) = await DataRequests.SendAsync(HttpMethod.Put, DataRequests.DataUrl(node.ApiUrl, key), DataRequests.ValueJson("written"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, put);
        Assert.Contains("has not answered yet", putBody.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await TestHttp.GetJsonAsync(DataRequests.DataUrl(source.Url, key))).Status);
    }

    /// <summary>Once discovery answered: ready, its check healthy, DELETE 200 and a write-through PUT written and confirmed.</summary>
    private static async Task AssertAnsweredAsync(CacheNode node, SourceNode source, string key)
    {
        HttpStatusCode deleted = default;
        JsonElement deleteBody = default;
        bool confirmed = await TestHttp.EventuallyAsync(
            async () =>
            {
                (deleted, deleteBody, _) = await DataRequests.SendAsync(HttpMethod.Delete, DataRequests.DataUrl(node.ApiUrl, key));
                return deleted == HttpStatusCode.OK;
            },
            Patience,
            TimeSpan.FromMilliseconds(200));
        Assert.True(confirmed, $"DELETE still answered {(int)deleted} after discovery answered: {deleteBody}\n{node.Process.Output}");
        Assert.Equal(1, deleteBody.GetProperty("ringSize").GetInt32());

        var (readyStatus, ready) = await TestHttp.GetJsonAsync(node.ApiUrl + "/health/ready");
        Assert.Equal(HttpStatusCode.OK, readyStatus);
        Assert.Equal("healthy", Check(ready, "discovery").GetProperty("status").GetString());

        var (put, putBody, _) = await DataRequests.SendAsync(HttpMethod.Put, DataRequests.DataUrl(node.ApiUrl, key), DataRequests.ValueJson("written"));
        Assert.True(put is HttpStatusCode.OK or HttpStatusCode.Created, $"PUT answered {(int)put}: {putBody}");
        Assert.Equal(HttpStatusCode.OK, (await TestHttp.GetJsonAsync(DataRequests.DataUrl(source.Url, key))).Status);
    }
}
