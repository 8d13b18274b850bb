using System.Diagnostics;
using System.Net;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Freshness;

/// <summary>Three real nodes over a source served by the test itself, which can hold a read and fail writes.</summary>
public sealed class FakeSourceClusterFixture : IAsyncLifetime
{
    private FreshnessCluster? _cluster;
    private FakeSource? _source;

    internal FreshnessCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    internal FakeSource Source => _source ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _source = await FakeSource.StartAsync();
        _cluster = await FreshnessCluster.StartOverAsync(_source.Url, 3, new Dictionary<string, string>
        {
            ["SOURCE_TIMEOUT"] = "1s",
            ["PEER_TIMEOUT"] = "5s",
            ["MEMBER_DEAD_AFTER"] = "15s",
        });
    }

    public async Task DisposeAsync()
    {
        _cluster?.Dispose();
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }
    }
}

public class StaleLoadTests(FakeSourceClusterFixture fixture) : IClassFixture<FakeSourceClusterFixture>
{
    private FreshnessCluster Cluster => fixture.Cluster;

    private FakeSource Source => fixture.Source;

    /// <summary>
    /// A read of the source that began before a write (it saw the old value) finishes only after the
    /// invalidation returned: whichever node asked, the old value must not be cached anywhere.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Invalidate_DuringASlowLoad_TheOldValueIsNeverServedAfterwards(int askedNode)
    {
        string key = $"stale/key-{askedNode}";
        Source.Set(key, "old");
        var gate = Source.Hold(key);
        var early = Cluster.Nodes[askedNode].GetAsync(key);
        await gate.Arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Source.Set(key, "new");
        var (status, body, response) = await Freshness.SendAsync(HttpMethod.Delete, Freshness.DataUrl(Cluster.Nodes[(askedNode + 1) % 3].ApiUrl, key));
        response.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetProperty("confirmed").GetInt32());
        gate.Released.SetResult();

        // The request that was in flight during the invalidation may see either value.
        Assert.Contains(FreshnessCluster.Answer(await early), new[] { "old", "new" });
        int readsBefore = Source.ReadsOf(key);
        for (int round = 0; round < 10; round++)
        {
            Assert.Equal(["new", "new", "new"], await Cluster.AnswersAsync(key));
        }

        Assert.Equal(readsBefore + 1, Source.ReadsOf(key)); // loaded once afresh, then cached
    }

    [Fact]
    public async Task Put_SourceSlowerThanSourceTimeout_Is504_AndTheKeyIsInvalidatedAllTheSame()
    {
        await CacheOldValueAsync("put-slow");
        var since = Stopwatch.StartNew();
        var (status, body, response) = await Freshness.SendAsync(HttpMethod.Put, Freshness.DataUrl(Cluster.Nodes[0].ApiUrl, "put-slow"), Freshness.ValueJson("new"));
        response.Dispose();

        Assert.Equal(HttpStatusCode.GatewayTimeout, status);
        Assert.Contains("did not answer", body.GetProperty("error").GetString());
        Assert.True(since.Elapsed < TimeSpan.FromSeconds(5), $"took {since.Elapsed}");
        Assert.Equal(["new", "new", "new"], await Cluster.AnswersAsync("put-slow"));
    }

    [Fact]
    public async Task Put_SourceDropsTheConnection_Is502_AndTheKeyIsInvalidatedAllTheSame()
    {
        await CacheOldValueAsync("put-abort");
        var (status, body, response) = await Freshness.SendAsync(HttpMethod.Put, Freshness.DataUrl(Cluster.Nodes[1].ApiUrl, "put-abort"), Freshness.ValueJson("new"));
        response.Dispose();

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("unreachable", body.GetProperty("error").GetString());
        Assert.Equal(["new", "new", "new"], await Cluster.AnswersAsync("put-abort"));
    }

    [Fact]
    public async Task Put_SourceFails500_Is502WithTheSourcesError_AndTheKeyIsInvalidatedAllTheSame()
    {
        await CacheOldValueAsync("put-500");
        var (status, body, response) = await Freshness.SendAsync(HttpMethod.Put, Freshness.DataUrl(Cluster.Nodes[2].ApiUrl, "put-500"), Freshness.ValueJson("new"));
        response.Dispose();

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Contains("disk on fire", body.GetProperty("error").GetString());
        Assert.Equal(["new", "new", "new"], await Cluster.AnswersAsync("put-500"));
    }

    /// <summary>Every node caches "old" for the key (the source then commits the PUT and fails to answer it).</summary>
    private async Task CacheOldValueAsync(string key)
    {
        Source.Set(key, "old");
        Assert.Equal(["old", "old", "old"], await Cluster.AnswersAsync(key));
        int reads = Source.ReadsOf(key);
        Assert.Equal(["old", "old", "old"], await Cluster.AnswersAsync(key));
        Assert.Equal(reads, Source.ReadsOf(key)); // cached: without an invalidation "old" would stay
    }

    [Fact]
    public async Task Put_FormEncodedCurlBody_ReachesTheSourceAsJson()
    {
        using var content = new StringContent("{\"value\":\"from curl\"}", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded");
        using var response = await TestHttp.Client.PutAsync(new Uri(Freshness.DataUrl(Cluster.Nodes[0].ApiUrl, "curl-key")), content);
        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.StartsWith("application/json", doc.RootElement.GetProperty("contentType").GetString());
        Assert.Equal(["from curl", "from curl", "from curl"], await Cluster.AnswersAsync("curl-key"));
    }
}
