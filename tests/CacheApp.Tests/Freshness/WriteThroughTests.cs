using System.Net;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Freshness;

/// <summary>
/// PUT /api/data/{key} on a node writes through to the real SourceApp and invalidates every node
/// before it answers; DELETE /api/data/{key} invalidates only. The source here has no -notify, so
/// every invalidation seen is the node's own.
/// </summary>
public class WriteThroughTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    private async Task<string[]> AnswersAsync(string key) =>
        await Task.WhenAll(Cluster.Nodes.Select(async n => FreshnessCluster.Answer(await n.GetAsync(key))));

    private async Task WarmAsync(string key)
    {
        for (int i = 0; i < 5; i++)
        {
            foreach (var node in Cluster.Nodes)
            {
                await node.GetAsync(key);
            }
        }
    }

    [Fact]
    public async Task Put_ThroughOneNode_EveryNodeServesTheNewValueAtOnce()
    {
        const string key = "wt/put through";
        await TestHttp.PutValueAsync(Cluster.Source.Url, key, "v1");
        await WarmAsync(key);
        Assert.Equal(["v1", "v1", "v1"], await AnswersAsync(key));
        var writer = Cluster.Nodes[1];
        var others = new[] { Cluster.Nodes[0], Cluster.Nodes[2] };
        long sentBefore = await Freshness.CounterAsync(writer, "invalidationsSent");
        long requestedBefore = await Freshness.CounterAsync(writer, "invalidationsRequested");
        long[] receivedBefore = await Task.WhenAll(others.Select(n => Freshness.CounterAsync(n, "invalidationsReceived")));

        var (status, body, response) = await Freshness.SendAsync(HttpMethod.Put, Freshness.DataUrl(writer.ApiUrl, key), Freshness.ValueJson("v2"));
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("v2", body.GetProperty("value").GetString());
            Assert.Equal(2, body.GetProperty("version").GetInt32());
            Assert.Equal("3/3", Assert.Single(response.Headers.GetValues("X-Cache-Invalidated")));
        }

        Assert.Equal(["v2", "v2", "v2"], await AnswersAsync(key));
        Assert.Equal(2, await Freshness.CounterAsync(writer, "invalidationsSent") - sentBefore);
        Assert.Equal(1, await Freshness.CounterAsync(writer, "invalidationsRequested") - requestedBefore);
        long[] receivedAfter = await Task.WhenAll(others.Select(n => Freshness.CounterAsync(n, "invalidationsReceived")));
        Assert.Equal([2, 2], receivedAfter.Zip(receivedBefore, (a, b) => a - b)); // one per pass
    }

    [Fact]
    public async Task Put_NewThenExistingKey_PassesOnTheSources201Then200AndRecord()
    {
        const string key = "wt/new key ✓";
        string url = Freshness.DataUrl(Cluster.Nodes[0].ApiUrl, key);

        var (created, first, r1) = await Freshness.SendAsync(HttpMethod.Put, url, Freshness.ValueJson("één"));
        r1.Dispose();
        var (updated, second, r2) = await Freshness.SendAsync(HttpMethod.Put, url, Freshness.ValueJson("twee"));
        r2.Dispose();
        var (atSource, record) = await TestHttp.GetJsonAsync(Freshness.DataUrl(Cluster.Source.Url, key));

        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal(key, first.GetProperty("key").GetString());
        Assert.Equal(1, first.GetProperty("version").GetInt32());
        Assert.Equal(HttpStatusCode.OK, updated);
        Assert.Equal(2, second.GetProperty("version").GetInt32());
        Assert.Equal(HttpStatusCode.OK, atSource);
        Assert.Equal("twee", record.GetProperty("value").GetString());
        Assert.Equal(second.GetProperty("updated_at").GetString(), record.GetProperty("updated_at").GetString());
    }

    [Theory]
    [InlineData("{\"value\": ")]
    [InlineData("{\"other\": \"x\"}")]
    [InlineData("{\"value\": 42}")]
    public async Task Put_BodyTheSourceRejects_PassesOnThe400AndChangesNothing(string json)
    {
        const string key = "wt/rejected";
        await TestHttp.PutValueAsync(Cluster.Source.Url, key, "kept");

        var (status, body, response) = await Freshness.SendAsync(HttpMethod.Put, Freshness.DataUrl(Cluster.Nodes[2].ApiUrl, key), json);
        response.Dispose();

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
        Assert.Equal(["kept", "kept", "kept"], await AnswersAsync(key));
    }

    [Fact]
    public async Task Put_ValueOverTheSourcesBodyLimit_PassesOnThe413()
    {
        // Several times: the source refuses by the length and closes; the 413 must come through
        // every time, not a broken pipe turned into a 502.
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var (status, body, response) = await Freshness.SendAsync(
                HttpMethod.Put, Freshness.DataUrl(Cluster.Nodes[attempt % 3].ApiUrl, "wt/too big"), Freshness.ValueJson(new string('x', 1_200_000)));
            response.Dispose();

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
            Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
        }

        Assert.Equal(["404", "404", "404"], await AnswersAsync("wt/too big"));
    }

    [Fact]
    public async Task Put_KeyOver250Bytes_Is400WithoutAskingTheSource()
    {
        var (status, body, response) = await Freshness.SendAsync(
            HttpMethod.Put, Freshness.DataUrl(Cluster.Nodes[0].ApiUrl, new string('k', 251)), Freshness.ValueJson("x"));
        response.Dispose();

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("250", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Delete_OnTheCacheApi_InvalidatesEveryNodeButKeepsTheSourceRecord()
    {
        const string key = "wt/invalidate only";
        await TestHttp.PutValueAsync(Cluster.Source.Url, key, "old");
        await WarmAsync(key);
        await TestHttp.PutValueAsync(Cluster.Source.Url, key, "new");
        Assert.Equal(["old", "old", "old"], await AnswersAsync(key)); // cached, and nobody told the nodes

        var (status, body, response) = await Freshness.SendAsync(HttpMethod.Delete, Freshness.DataUrl(Cluster.Nodes[2].ApiUrl, key));
        response.Dispose();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetProperty("confirmed").GetInt32());
        Assert.Equal(3, body.GetProperty("ringSize").GetInt32());
        Assert.Empty(body.GetProperty("unreached").EnumerateArray());
        Assert.Equal(["new", "new", "new"], await AnswersAsync(key));
        Assert.Equal(HttpStatusCode.OK, (await TestHttp.GetJsonAsync(Freshness.DataUrl(Cluster.Source.Url, key))).Status);
    }

    [Fact]
    public async Task Delete_AfterTheSourceDeletedTheKey_Is404Everywhere()
    {
        const string key = "wt/deleted at source";
        await TestHttp.PutValueAsync(Cluster.Source.Url, key, "doomed");
        await WarmAsync(key);
        using (var atSource = await TestHttp.Client.DeleteAsync(new Uri(Freshness.DataUrl(Cluster.Source.Url, key))))
        {
            Assert.Equal(HttpStatusCode.NoContent, atSource.StatusCode);
        }

        Assert.Equal(["doomed", "doomed", "doomed"], await AnswersAsync(key));

        var (status, _, response) = await Freshness.SendAsync(HttpMethod.Delete, Freshness.DataUrl(Cluster.Nodes[0].ApiUrl, key));
        response.Dispose();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["404", "404", "404"], await AnswersAsync(key));
    }

    [Fact]
    public async Task Delete_KeyNobodyHolds_IsConfirmedByEveryNodeEveryTime()
    {
        for (int i = 0; i < 2; i++)
        {
            var (status, body, response) = await Freshness.SendAsync(HttpMethod.Delete, Freshness.DataUrl(Cluster.Nodes[1].ApiUrl, "wt/never seen"));
            response.Dispose();

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(3, body.GetProperty("confirmed").GetInt32());
        }
    }
}
