using System.Net;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Integration;

/// <summary>A real Prometheus scraping a real three-node cluster and its source.</summary>
public class PrometheusTests
{
    private const int Requests = 1000;

    [Fact]
    public async Task Prometheus_ScrapesThreeNodesAndSource_TotalGetsEqualRequestsSent()
    {
        using var cluster = await TestCluster.StartAsync(3);
        using var prometheus = await PrometheusServer.StartAsync(new Dictionary<string, string[]>
        {
            ["cacheapp"] = [.. cluster.Nodes.Select(n => $"127.0.0.1:{n.ApiPort}")],
            ["sourceapp"] = [$"127.0.0.1:{cluster.Source.Port}"],
        });
        var keys = Values.Keys("prom-", 100);
        await cluster.SeedAsync(keys);

        for (int i = 0; i < Requests; i++)
        {
            var node = cluster.Nodes[i % cluster.Nodes.Count];
            var (status, _) = await node.GetAsync(keys[i % keys.Count]);
            Assert.Equal(HttpStatusCode.OK, status);
        }

        // groupcache counts a peer's request as a get on the owner too (as Go does): the gets the
        // clients sent are the gets less the requests that came from peers.
        const string clientGets = "sum(groupcache_group_gets_total{job=\"cacheapp\"}) - sum(groupcache_group_server_requests_total{job=\"cacheapp\"})";
        double? gets = null;
        bool counted = await TestHttp.EventuallyAsync(
            async () => (gets = await prometheus.QueryAsync(clientGets)) == Requests,
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(500));
        Assert.True(counted, $"Prometheus counted {gets} gets, not {Requests}:{Environment.NewLine}{prometheus.Output}");

        // The hit ratio Prometheus computes is the one the nodes' own counters give.
        long hits = await cluster.SumStatAsync("cacheHits");
        long allGets = await cluster.SumStatAsync("gets");
        double? ratio = null;
        bool same = await TestHttp.EventuallyAsync(
            async () =>
            {
                ratio = await prometheus.QueryAsync("sum(groupcache_group_cache_hits_total) / sum(groupcache_group_gets_total)");
                return ratio is { } r && Math.Abs(r - (double)hits / allGets) < 1e-9;
            },
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(500));
        Assert.True(same, $"hit ratio {ratio}, the nodes say {hits}/{allGets}");
        Assert.InRange(ratio!.Value, 0.5, 1.0); // 100 keys read 10 times each: most reads hit

        // Membership and freshness: a DELETE through one node reaches the two others, in two passes.
        using (var delete = await TestHttp.Client.DeleteAsync(new Uri($"{cluster.Nodes[0].ApiUrl}/api/data/{keys[0]}")))
        {
            Assert.True(delete.IsSuccessStatusCode, $"DELETE answered {(int)delete.StatusCode}");
        }

        bool invalidated = await TestHttp.EventuallyAsync(
            async () => await prometheus.QueryAsync("sum(cacheapp_invalidations_received_total)") == 4,
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(500));
        Assert.True(invalidated, "Prometheus did not see the four invalidations received (two nodes, two passes each)");

        // The sender counts its sends when the answers are back, and Prometheus scrapes each node on
        // its own schedule: the receivers' counts can be scraped before the sender's.
        double? sent = null;
        bool sentCounted = await TestHttp.EventuallyAsync(
            async () => (sent = await prometheus.QueryAsync("sum(cacheapp_invalidations_sent_total)")) == 2,
            TimeSpan.FromSeconds(30),
            TimeSpan.FromMilliseconds(500));
        Assert.True(sentCounted, $"Prometheus counted {sent} invalidations sent, not 2");
        Assert.Equal(3, await prometheus.QueryAsync("min(cacheapp_ring_size)"));
        Assert.Equal(3, await prometheus.QueryAsync("min(cacheapp_members{state=\"alive\"})"));
        Assert.True(await prometheus.QueryAsync("min(cacheapp_gossip_bytes_total)") > 0);
        Assert.Equal(1, await prometheus.QueryAsync("min(up{job=\"sourceapp\"})"));
        Assert.True(await prometheus.QueryAsync("sum(sourceapp_reads_total)") >= keys.Count);
        Assert.Equal(3, await prometheus.QueryAsync("count(up{job=\"cacheapp\"} == 1)"));

        // Every metric kept every series this traffic made: none went to OpenTelemetry's overflow
        // series, whose limit is lower for the meters with few series (ServiceTelemetry).
        Assert.True(await prometheus.QueryAsync("count(count by (__name__) ({otel_metric_overflow=\"true\"}))") is null, "a metric of the nodes or the source filled its series limit");
        Assert.True(await prometheus.QueryAsync("count({job=\"cacheapp\", __name__=~\"dotnet_.*|process_.*|kestrel_.*|cacheapp_.*\"})") > 10);
    }

    [Fact]
    public async Task Dispose_PrometheusServer_StopsItAndRemovesItsData()
    {
        var prometheus = await PrometheusServer.StartAsync(new Dictionary<string, string[]> { ["none"] = ["127.0.0.1:1"] });
        string data = prometheus.DataPath;
        Assert.True(Directory.Exists(data));

        prometheus.Dispose();

        Assert.False(Directory.Exists(data));
        await Assert.ThrowsAsync<HttpRequestException>(() => TestHttp.Client.GetAsync(new Uri(prometheus.Url + "/-/ready")));
    }
}
