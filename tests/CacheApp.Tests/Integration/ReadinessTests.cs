using System.Diagnostics;
using System.Net;

namespace CacheApp.Tests.Integration;

/// <summary>/health/ready follows the source; /health/live stays green throughout.</summary>
[Trait("Category", "Cluster")] // also run against the Native AOT build (test.sh)
public class ReadinessTests
{
    private static readonly TimeSpan SourceTimeout = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Ready_SourceKilledThenBack_NotReadyWithinTwiceTheTimeoutThenReadyAgain()
    {
        using var cluster = await TestCluster.StartAsync(1, new Dictionary<string, string> { ["SOURCE_TIMEOUT"] = "3s" });
        var node = cluster.Nodes[0];
        Assert.True(await StatusBecomesAsync(node, HttpStatusCode.OK, TimeSpan.FromSeconds(30)), "never ready");
        var (_, ready) = await TestHttp.GetJsonAsync(node.ApiUrl + "/health/ready");
        Assert.Equal(["ring", "source"], ready.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order());

        cluster.Source.Kill();
        var killed = Stopwatch.StartNew();
        Assert.True(await StatusBecomesAsync(node, HttpStatusCode.ServiceUnavailable, SourceTimeout * 2), $"still ready {killed.Elapsed} after the source died");
        var (status, body) = await TestHttp.GetJsonAsync(node.ApiUrl + "/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());

        await cluster.Source.StartAsync();
        Assert.True(await StatusBecomesAsync(node, HttpStatusCode.OK, TimeSpan.FromSeconds(30)), "not ready again after the source came back");
    }

    /// <summary>Polls /health/ready until it answers <paramref name="expected"/>, checking at each poll that /health/live answers 200.</summary>
    private static async Task<bool> StatusBecomesAsync(CacheNode node, HttpStatusCode expected, TimeSpan timeout) =>
        await TestHttp.EventuallyAsync(
            async () =>
            {
                var (live, liveBody) = await TestHttp.GetJsonAsync(node.ApiUrl + "/health/live");
                Assert.True(live == HttpStatusCode.OK, $"liveness answered {(int)live}: {liveBody}");
                using var response = await TestHttp.Client.GetAsync(new Uri(node.ApiUrl + "/health/ready"));
                return response.StatusCode == expected;
            },
            timeout,
            TimeSpan.FromMilliseconds(100));
}
