using GroupCache.Http.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace GroupCache.Http.Tests;

/// <summary>A pool and its endpoint work by the options they were built with: changing the options object afterwards changes nothing.</summary>
public class PoolOptionsSnapshotTests
{
    private const string Self = "http://127.0.0.1:8081";

    [Fact]
    public async Task ClientFor_ClusterSecretChangedAfterConstruction_SendsTheOriginalWhichTheEndpointStillAccepts()
    {
        var options = new HttpPoolOptions { ClusterSecret = "s3cret" };
        await using var node = await TestNode.StartAsync(options);
        using var pool = new HttpPool(Self, options);

        options.ClusterSecret = "changed";
        var response = await pool.ClientFor(node.Url).GetAsync(TestNode.GroupName, "k", CancellationToken.None);

        Assert.Equal("v:k", response.Value.ToString());
        Assert.Equal("s3cret", pool.Options.ClusterSecret);
    }

    [Fact]
    public void SetPeers_ReplicasChangedAfterConstruction_BuildsTheRingWithTheOriginalReplicas()
    {
        string[] peers = [Self, "http://127.0.0.1:8082", "http://127.0.0.1:8083"];
        var options = new HttpPoolOptions();
        using var pool = new HttpPool(Self, options);
        using var unchanged = new HttpPool(Self);

        options.Replicas = 1;
        pool.SetPeers(peers);
        unchanged.SetPeers(peers);

        Assert.All(Enumerable.Range(0, 1000).Select(i => $"key-{i}"), k => Assert.Equal(unchanged.OwnerOf(k), pool.OwnerOf(k)));
    }

    [Fact]
    public async Task Options_ChangedThroughThePoolsProperty_TheNodesStillFetchFromEachOther()
    {
        string[] urls = [FrontDoorNode.NewUrl(), FrontDoorNode.NewUrl()];
        var settings = new Dictionary<string, string?>
        {
            ["GroupCache:Peers:0"] = urls[0],
            ["GroupCache:Peers:1"] = urls[1],
            ["GroupCache:ClusterSecret"] = "s3cret",
        };
        static void AddData(IGroupCacheBuilder g) => g.AddGroup("data", 1 << 20, (key, _) => ValueTask.FromResult(ByteView.FromString("v:" + key)));
        await using var owner = await FrontDoorNode.StartAsync(urls[1], settings, AddData);
        await using var caller = await FrontDoorNode.StartAsync(urls[0], settings, AddData);
        string key = Enumerable.Range(0, 1000).Select(i => $"key-{i}").First(k => caller.Pool.OwnerOf(k) == urls[1]);

        caller.Pool.Options.ClusterSecret = "changed";
        await caller.Group("data").GetAsync(key);

        Assert.Equal(1, caller.Group("data").Stats.PeerLoads);
        Assert.Equal(0, caller.Group("data").Stats.PeerErrors);
    }
}
