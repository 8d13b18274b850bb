using System.Net;

namespace CacheApp.Tests.Freshness;

/// <summary>
/// The real SourceApp with <c>-notify</c> naming a real node's GROUPCACHE_PORT instead of its API_PORT:
/// the peer port answers <c>DELETE /api/data/{key}</c> with 404 and forgets nothing, so the source
/// must say the node was not reached rather than count the invalidation as delivered.
/// </summary>
public class NotifyWrongPortTests
{
    [Fact]
    public async Task Put_NotifyNamesTheGroupcachePort_NamesTheNodeUnreachedAndCountsAFailure()
    {
        using var dir = new TempDir();
        int gcPort = FreePort.Next();
        string misaddressed = $"http://127.0.0.1:{gcPort}/";
        using var source = new SourceNode(dir.Path, ["-notify", misaddressed]);
        using var node = new CacheNode("node0", source.Url, gcPort: gcPort);
        await source.StartAsync();
        await node.StartAsync();

        using var put = await TestHttp.Client.PutAsync(new Uri($"{source.Url}/api/data/k"), TestHttp.ValueBody("v"));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.True(put.Headers.TryGetValues("X-Notify-Unreached", out var unreached), "the write's answer names no unreached node");
        Assert.Equal(misaddressed, Assert.Single(unreached));

        // The exporter may answer from a scrape it cached a moment ago: ask until the failure shows.
        // The node is retried in the background, so the failures may already be more than one.
        string metrics = "";
        Assert.True(
            await TestHttp.EventuallyAsync(
                async () =>
                {
                    metrics = await PrometheusText.ScrapeAsync(source.Url);
                    return PrometheusText.Sample(metrics, "sourceapp_notifications_failed_total", "") >= 1;
                },
                TimeSpan.FromSeconds(10)),
            metrics);
        Assert.Equal(0.0, PrometheusText.Sample(metrics, "sourceapp_notifications_sent_total", "") ?? 0);
    }
}
