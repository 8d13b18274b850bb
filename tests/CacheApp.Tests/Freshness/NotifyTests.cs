using System.Diagnostics;
using System.Net;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Freshness;

/// <summary>The real SourceApp started with -notify naming the three nodes: writes straight to the source reach every node.</summary>
public sealed class NotifyClusterFixture : IAsyncLifetime
{
    private FreshnessCluster? _cluster;

    internal FreshnessCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() =>
        _cluster = await FreshnessCluster.StartAsync(3, notify: true, new Dictionary<string, string> { ["MEMBER_DEAD_AFTER"] = "15s" });

    public Task DisposeAsync()
    {
        _cluster?.Dispose();
        return Task.CompletedTask;
    }
}

public class NotifyTests(NotifyClusterFixture fixture) : IClassFixture<NotifyClusterFixture>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(1);

    private FreshnessCluster Cluster => fixture.Cluster;

    /// <summary>How long until every node answers <paramref name="expected"/> (polled every 20 ms), or null after 5 s.</summary>
    private async Task<TimeSpan?> TimeUntilAllAnswerAsync(string key, string expected, Stopwatch since)
    {
        while (since.Elapsed < TimeSpan.FromSeconds(5))
        {
            if ((await Cluster.AnswersAsync(key)).All(a => a == expected))
            {
                return since.Elapsed;
            }

            await Task.Delay(20);
        }

        return null;
    }

    [Fact]
    public async Task PutAtTheSource_EveryNodeServesTheNewValueWithin1s()
    {
        const string key = "notify/put";
        await TestHttp.PutValueAsync(Cluster.SourceUrl, key, "v1");
        Assert.True(await TestHttp.EventuallyAsync(async () => (await Cluster.AnswersAsync(key)).All(a => a == "v1"), TimeSpan.FromSeconds(5)));
        await Cluster.WarmAsync(key);
        long received = 0;
        foreach (var node in Cluster.Nodes)
        {
            received += await Freshness.CounterAsync(node, "invalidationsReceived");
        }

        var since = Stopwatch.StartNew();
        await TestHttp.PutValueAsync(Cluster.SourceUrl, key, "v2");
        var took = await TimeUntilAllAnswerAsync(key, "v2", since);

        Assert.True(took is not null && took < Within, $"took {took?.TotalMilliseconds}ms:{Environment.NewLine}{Cluster.Describe()}");
        long receivedAfter = 0;
        foreach (var node in Cluster.Nodes)
        {
            receivedAfter += await Freshness.CounterAsync(node, "invalidationsReceived");
        }

        // One notification, coordinated by one node, reaches the two others.
        Assert.True(receivedAfter - received >= 2, $"received {receivedAfter - received}");
    }

    [Fact]
    public async Task DeleteAtTheSource_EveryNodeAnswers404Within1s()
    {
        const string key = "notify/delete";
        await TestHttp.PutValueAsync(Cluster.SourceUrl, key, "doomed");
        Assert.True(await TestHttp.EventuallyAsync(async () => (await Cluster.AnswersAsync(key)).All(a => a == "doomed"), TimeSpan.FromSeconds(5)));
        await Cluster.WarmAsync(key);

        var since = Stopwatch.StartNew();
        using (var response = await TestHttp.Client.DeleteAsync(new Uri(Freshness.DataUrl(Cluster.SourceUrl, key))))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        var took = await TimeUntilAllAnswerAsync(key, "404", since);

        Assert.True(took is not null && took < Within, $"took {took?.TotalMilliseconds}ms:{Environment.NewLine}{Cluster.Describe()}");

        // The node's DELETE only invalidates: the notification did not come back to the source as a second delete.
        using var again = await TestHttp.Client.DeleteAsync(new Uri(Freshness.DataUrl(Cluster.SourceUrl, key)));
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task PutThroughANode_WithNotifyToo_EveryNodeServesTheNewValueAtOnce()
    {
        const string key = "notify/put through node";
        await TestHttp.PutValueAsync(Cluster.SourceUrl, key, "v1");
        Assert.True(await TestHttp.EventuallyAsync(async () => (await Cluster.AnswersAsync(key)).All(a => a == "v1"), TimeSpan.FromSeconds(5)));
        await Cluster.WarmAsync(key);

        var (status, _, response) = await Freshness.SendAsync(HttpMethod.Put, Freshness.DataUrl(Cluster.Nodes[2].ApiUrl, key), Freshness.ValueJson("v2"));
        response.Dispose();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["v2", "v2", "v2"], await Cluster.AnswersAsync(key));
    }
}
