using System.Net;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Integration;

/// <summary>GROUPCACHE_PEERS: a fixed ring, for clusters that include golang/groupcache nodes.</summary>
[Trait("Category", "Cluster")] // also run against the Native AOT build (test.sh)
public class StaticRingTests
{
    [Fact]
    public async Task GroupCachePeers_FixesTheRingAsGivenAndTurnsDiscoveryOff()
    {
        using var dir = new TempDir();
        using var source = new SourceNode(dir.Path);
        await source.StartAsync();
        int gcPort = FreePort.Next();
        string self = $"http://127.0.0.1:{gcPort}";
        string absent = $"http://127.0.0.1:{FreePort.Next()}";
        string seedNeverAsked = $"http://127.0.0.1:{FreePort.Next()}";
        using var node = new CacheNode(
            "static",
            source.Url,
            initialPeers: [seedNeverAsked],
            extraEnv: new Dictionary<string, string> { ["GROUPCACHE_PEERS"] = $"{absent}/,{self}" },
            gcPort: gcPort);
        await node.StartAsync();

        var peers = await node.PeersAsync();
        string[] ring = [.. peers.GetProperty("ring").EnumerateArray().Select(e => e.GetString()!)];
        Assert.Equal([.. new[] { self, absent }.Order(StringComparer.Ordinal)], ring);
        Assert.Equal("static", peers.GetProperty("discovery").GetString());
        Assert.All(peers.GetProperty("members").EnumerateArray(), m => Assert.Equal("static", m.GetProperty("state").GetString()));
        Assert.Equal(2, (await node.StatusAsync()).GetProperty("ring").GetProperty("size").GetInt32());

        // Keys the absent peer owns fail over to the source: every key is still served.
        foreach (string key in new[] { "apple", "banana", "orange", "grape", "pear" })
        {
            var (status, _) = await node.GetAsync(key);
            Assert.Equal(HttpStatusCode.OK, status);
        }

        using var join = await TestHttp.Client.PostAsync(new Uri(node.ApiUrl + "/api/cluster/join"), new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Conflict, join.StatusCode);
        Assert.Equal(ring, await node.RingAsync());
    }
}
