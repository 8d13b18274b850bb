using System.Diagnostics;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Freshness;

/// <summary>CACHE_TTL with real processes: the owner's main copy and the hot copies elsewhere expire together.</summary>
public class TtlTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Ttl_MainAndHotCopiesExpire_ThenTheKeyIsLoadedOnceAgain()
    {
        using var cluster = await FreshnessCluster.StartAsync(3, notify: false, new Dictionary<string, string>
        {
            ["CACHE_TTL"] = "4s",
            ["MEMBER_DEAD_AFTER"] = "15s",
        });
        const string key = "ttl/key";
        await TestHttp.PutValueAsync(cluster.SourceUrl, key, "v1");

        Assert.Equal("v1", FreshnessCluster.Answer(await cluster.Nodes[0].GetAsync(key)));
        var loadedBy = Stopwatch.StartNew(); // the owner stamped the expiry before this answer
        var owner = Assert.Single(await OwnersAsync(cluster));
        var mirror = cluster.Nodes.First(n => n != owner);

        // A non-owner mirrors one peer load in ten: ask until it holds a hot copy.
        for (int i = 0; i < 300 && await HotItemsAsync(mirror) == 0; i++)
        {
            await mirror.GetAsync(key);
        }

        Assert.Equal(1, await HotItemsAsync(mirror));
        Assert.Equal(Ttl.TotalSeconds, (await Freshness.OfAsync(owner)).GetProperty("ttlSeconds").GetDouble());

        // The source changes behind the cache's back: until the TTL passes every node serves v1.
        await TestHttp.PutValueAsync(cluster.SourceUrl, key, "v2");
        Assert.Equal(["v1", "v1", "v1"], await cluster.AnswersAsync(key));
        Assert.True(loadedBy.Elapsed < Ttl, $"the test was too slow to see the cached value ({loadedBy.Elapsed})");
        long loadsBefore = await SumAsync(cluster, "localLoads");

        await Task.Delay(Ttl - loadedBy.Elapsed + TimeSpan.FromMilliseconds(300));
        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(async i => FreshnessCluster.Answer(await cluster.Nodes[i % 3].GetAsync(key))));

        Assert.All(answers, a => Assert.Equal("v2", a));
        Assert.Equal(1, await SumAsync(cluster, "localLoads") - loadsBefore);
        var ownerStatus = await owner.StatusAsync();
        var mirrorStatus = await mirror.StatusAsync();
        Assert.Equal(1, ownerStatus.GetProperty("group").GetProperty("mainCache").GetProperty("expirations").GetInt64());
        Assert.Equal(1, mirrorStatus.GetProperty("group").GetProperty("hotCache").GetProperty("expirations").GetInt64());
        Assert.Equal(1, mirrorStatus.GetProperty("freshness").GetProperty("expirations").GetInt64());
    }

    private static async Task<List<CacheNode>> OwnersAsync(FreshnessCluster cluster)
    {
        var owners = new List<CacheNode>();
        foreach (var node in cluster.Nodes)
        {
            if (await node.StatAsync("localLoads") > 0)
            {
                owners.Add(node);
            }
        }

        return owners;
    }

    private static async Task<long> HotItemsAsync(CacheNode node) =>
        (await node.StatusAsync()).GetProperty("group").GetProperty("hotCache").GetProperty("items").GetInt64();

    private static async Task<long> SumAsync(FreshnessCluster cluster, string stat)
    {
        long sum = 0;
        foreach (var node in cluster.Nodes)
        {
            sum += await node.StatAsync(stat);
        }

        return sum;
    }
}
