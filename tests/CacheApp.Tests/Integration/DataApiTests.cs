using System.Net;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Integration;

/// <summary>Three nodes and a source as real processes: loads, deduplication and the API's answers.</summary>
[Trait("Category", "Cluster")] // also run against the Native AOT build (test.sh)
public class DataApiTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    private async Task SeedAsync(IEnumerable<string> keys)
    {
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, _) =>
            await TestHttp.PutValueAsync(Cluster.Source.Url, key, Keys.ValueOf(key)));
    }

    [Fact]
    public async Task Get_300KeysThroughEveryNode_LoadsEachFromTheSourceOnce()
    {
        var keys = Keys.Make("bulk-", 300);
        await SeedAsync(keys);
        long loadsBefore = await Cluster.SumStatAsync("localLoads");
        long peerErrorsBefore = await Cluster.SumStatAsync("peerErrors");

        var wrong = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, _) =>
        {
            foreach (var node in Cluster.Nodes)
            {
                var (status, body) = await node.GetAsync(key);
                if (status != HttpStatusCode.OK || body.GetProperty("key").GetString() != key || body.GetProperty("value").GetString() != Keys.ValueOf(key))
                {
                    wrong.Add($"{node.Name} {key}: {(int)status} {body}");
                }
            }
        });

        Assert.Empty(wrong);
        Assert.Equal(0, await Cluster.SumStatAsync("peerErrors") - peerErrorsBefore);
        Assert.Equal(300, await Cluster.SumStatAsync("localLoads") - loadsBefore);
    }

    [Theory]
    [InlineData(13, true)]
    [InlineData(2048, true)]
    [InlineData(100_000, false)]
    public async Task Get_Value_SmallBodiesCarryTheirLengthBigOnesStream(int valueLength, bool expectLength)
    {
        // A small answer with a Content-Length is one write on the wire, not chunked framing.
        string key = $"length/{valueLength}";
        string value = new('v', valueLength);
        await TestHttp.PutValueAsync(Cluster.Source.Url, key, value);
        var node = Cluster.Nodes[valueLength % 3];

        // Headers as sent: once the body is buffered, HttpClient would report its length either way.
        using var response = await TestHttp.Client.GetAsync(new Uri($"{node.ApiUrl}/api/data/{Uri.EscapeDataString(key)}"), HttpCompletionOption.ResponseHeadersRead);
        long? sentLength = response.Content.Headers.ContentLength;
        bool chunked = response.Headers.TransferEncodingChunked == true;
        byte[] body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(value, System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("value").GetString());
        Assert.Equal(expectLength ? body.Length : null, sentLength);
        Assert.Equal(!expectLength, chunked);
        Assert.Empty(response.Headers.Server);
    }

    [Fact]
    public async Task Get_200ConcurrentColdGetsOverThreeNodes_LoadOnce()
    {
        const string key = "stampede/cold key";
        await SeedAsync([key]);
        long loadsBefore = await Cluster.SumStatAsync("localLoads");

        var gets = Enumerable.Range(0, 200).Select(i => Cluster.Nodes[i % 3].GetAsync(key)).ToArray();
        var answers = await Task.WhenAll(gets);

        Assert.All(answers, a =>
        {
            Assert.Equal(HttpStatusCode.OK, a.Status);
            Assert.Equal(Keys.ValueOf(key), a.Body.GetProperty("value").GetString());
        });
        Assert.Equal(1, await Cluster.SumStatAsync("localLoads") - loadsBefore);
    }

    [Fact]
    public async Task Delete_AfterTheSourceChanged_EveryNodeServesTheNewValue()
    {
        const string key = "changing/key";
        await TestHttp.PutValueAsync(Cluster.Source.Url, key, "old");
        foreach (var node in Cluster.Nodes)
        {
            Assert.Equal("old", (await node.GetAsync(key)).Body.GetProperty("value").GetString());
        }

        await TestHttp.PutValueAsync(Cluster.Source.Url, key, "new");
        using var delete = await TestHttp.Client.DeleteAsync(new Uri($"{Cluster.Nodes[1].ApiUrl}/api/data/{Uri.EscapeDataString(key)}"));
        using var doc = System.Text.Json.JsonDocument.Parse(await delete.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(3, doc.RootElement.GetProperty("confirmed").GetInt32());
        foreach (var node in Cluster.Nodes)
        {
            Assert.Equal("new", (await node.GetAsync(key)).Body.GetProperty("value").GetString());
        }
    }

    [Fact]
    public async Task Get_SeededSample_ServesApple()
    {
        foreach (var node in Cluster.Nodes)
        {
            var (status, body) = await node.GetAsync("apple");

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("apple", body.GetProperty("key").GetString());
            Assert.Equal("A crisp red apple", body.GetProperty("value").GetString());
        }
    }

    [Fact]
    public async Task Get_MissingKey_Is404WithJsonError()
    {
        foreach (var node in Cluster.Nodes)
        {
            var (status, body) = await node.GetAsync("no-such-key");

            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Contains("not found", body.GetProperty("error").GetString());
        }
    }

    [Theory]
    [InlineData("/api/data/")]
    [InlineData("/api/data")]
    [InlineData("/api/data/%C3%28")]
    [InlineData("/api/data/%FF")]
    public async Task Get_BadKey_Is400WithJsonError(string path)
    {
        var (status, body) = await TestHttp.GetJsonAsync(Cluster.Nodes[0].ApiUrl + path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
    }

    [Theory]
    [InlineData("/API/Data/apple", HttpStatusCode.OK)]
    [InlineData("/api/data/apple?x=1", HttpStatusCode.OK)]
    [InlineData("/api/datax/apple", HttpStatusCode.NotFound)]
    [InlineData("/api/data-apple", HttpStatusCode.NotFound)]
    public async Task Get_PathsNearTheDataApi_AnsweredAsRoutingWould(string path, HttpStatusCode expected)
    {
        // Reads are answered ahead of routing; the paths they take must be exactly the route's.
        var (status, body) = await TestHttp.GetJsonAsync(Cluster.Nodes[2].ApiUrl + path);

        Assert.Equal(expected, status);
        if (expected == HttpStatusCode.OK)
        {
            Assert.Equal("apple", body.GetProperty("key").GetString());
        }
    }

    [Fact]
    public async Task Get_KeyOver250Bytes_Is400()
    {
        var (status, body) = await Cluster.Nodes[1].GetAsync(new string('x', 251));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("250", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Get_PlusInPath_IsALiteralPlus()
    {
        await SeedAsync(["a+b"]);

        var (status, body) = await TestHttp.GetJsonAsync(Cluster.Nodes[2].ApiUrl + "/api/data/a+b");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("a+b", body.GetProperty("key").GetString());
    }

    [Fact]
    public async Task Get_ValueWithNulAndControlCharacters_ServedWholeThroughEveryNode()
    {
        // Through the source's JSON, the cache's bytes, the peer protocol and the API's JSON again.
        const string key = "nul-value";
        const string value = "a\u0000b\u0001\u001f\"\\ end\u0000";
        await TestHttp.PutValueAsync(Cluster.Source.Url, key, value);

        foreach (var node in Cluster.Nodes)
        {
            var (status, body) = await TestHttp.GetJsonAsync(node.ApiUrl + "/api/data/" + key);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(value, body.GetProperty("value").GetString());
        }
    }

    [Fact]
    public async Task Status_ReportsNodeGroupRingAndSource()
    {
        var status = await Cluster.Nodes[0].StatusAsync();

        Assert.Equal("node0", status.GetProperty("node").GetString());
        Assert.Equal(Cluster.Nodes[0].GcAddr, status.GetProperty("groupcacheAddr").GetString());
        Assert.Equal("data", status.GetProperty("group").GetProperty("name").GetString());
        Assert.Equal(64L << 20, status.GetProperty("group").GetProperty("cacheBytes").GetInt64());
        Assert.Equal(3, status.GetProperty("ring").GetProperty("size").GetInt32());
        Assert.True(status.GetProperty("group").GetProperty("mainCache").TryGetProperty("evictions", out _));
        Assert.True(status.GetProperty("group").GetProperty("hotCache").TryGetProperty("items", out _));
        Assert.Equal(Cluster.Source.Url, status.GetProperty("source").GetProperty("url").GetString());
        Assert.Equal(Cluster.Nodes[0].Process.Pid, status.GetProperty("process").GetProperty("pid").GetInt32());
        Assert.True(status.GetProperty("process").GetProperty("allocatedBytes").GetInt64() > 0);
        Assert.True(status.GetProperty("process").GetProperty("gcPauseMilliseconds").GetDouble() >= 0);
        Assert.False(status.GetProperty("process").GetProperty("serverGc").GetBoolean()); // the shipped default: workstation GC
        Assert.True(await TestHttp.EventuallyAsync(
            async () => (await Cluster.Nodes[0].StatusAsync()).GetProperty("source").GetProperty("healthy").ValueKind == System.Text.Json.JsonValueKind.True,
            TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task GroupCachePort_ServesOnlyThePeerProtocol()
    {
        using var onGcPort = await TestHttp.Client.GetAsync(new Uri(Cluster.Nodes[0].GcAddr + "/api/data/apple"));
        using var peerOnApiPort = await TestHttp.Client.GetAsync(new Uri(Cluster.Nodes[0].ApiUrl + "/_groupcache/data/apple"));

        Assert.Equal(HttpStatusCode.NotFound, onGcPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, peerOnApiPort.StatusCode);
    }
}
