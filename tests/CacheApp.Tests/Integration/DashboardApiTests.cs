using System.Net;
using GroupCache.ConsistentHash;
using GroupCache.Http;

namespace CacheApp.Tests.Integration;

/// <summary>The dashboard's endpoints over HTTP: the cluster view with a secret, the owner lookup, the page's headers.</summary>
public class DashboardApiTests
{
    private const string Secret = "dashboard-s3cret-value";

    [Fact]
    public async Task Cluster_WithSecret_EveryMemberReachableWithSharesAndNoSecretInTheAnswer()
    {
        using var cluster = await TestCluster.StartAsync(2, new Dictionary<string, string> { ["CLUSTER_SECRET"] = Secret });
        var node = cluster.Nodes[1];

        using var response = await TestHttp.Client.GetAsync(new Uri($"{node.ApiUrl}/api/admin/cluster"));
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        var (_, body) = await TestHttp.GetJsonAsync($"{node.ApiUrl}/api/admin/cluster");
        Assert.Equal(node.ApiUrl, body.GetProperty("self").GetString());
        Assert.Equal("gossip", body.GetProperty("discovery").GetString());
        Assert.Equal(HttpPoolOptions.DefaultReplicas, body.GetProperty("replicas").GetInt32());
        var members = body.GetProperty("members").EnumerateArray().ToArray();
        Assert.Equal(cluster.Nodes.Select(n => n.GcAddr).Order(StringComparer.Ordinal), members.Select(m => m.GetProperty("groupcacheAddr").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(members, m =>
        {
            Assert.True(m.GetProperty("reachable").GetBoolean(), m.ToString());
            Assert.Equal("alive", m.GetProperty("state").GetString());
            Assert.True(m.GetProperty("status").GetProperty("security").GetProperty("clusterSecret").GetBoolean());
        });
        Assert.Equal(1.0, members.Sum(m => m.GetProperty("ringShare").GetDouble()), 9);
        Assert.Single(members, m => m.GetProperty("isSelf").GetBoolean() && m.GetProperty("apiAddr").GetString() == node.ApiUrl);
    }

    [Fact]
    public async Task OwnerAndPage_OneNode_OwnerFollowsTheRingBadKeysAre400AndThePageForbidsOtherOrigins()
    {
        using var cluster = await TestCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        string key = "a/b ü?&";

        var (status, body) = await TestHttp.GetJsonAsync($"{node.ApiUrl}/api/admin/owner?key={Uri.EscapeDataString(key)}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(key, body.GetProperty("key").GetString());
        Assert.Equal(node.GcAddr, body.GetProperty("owner").GetString());
        Assert.Equal(node.ApiUrl, body.GetProperty("ownerApiAddr").GetString());
        Assert.True(body.GetProperty("isSelf").GetBoolean());

        foreach (string query in new[] { string.Empty, "?key=", "?key=a&key=b", "?key=" + new string('k', 251) })
        {
            var (badStatus, error) = await TestHttp.GetJsonAsync($"{node.ApiUrl}/api/admin/owner{query}");
            Assert.Equal(HttpStatusCode.BadRequest, badStatus);
            Assert.False(string.IsNullOrEmpty(error.GetProperty("error").GetString()));
        }

        foreach (string path in new[] { "/dashboard", "/dashboard/dashboard.js", "/dashboard/dashboard.css", "/dashboard/favicon.svg" })
        {
            using var page = await TestHttp.Client.GetAsync(new Uri(node.ApiUrl + path));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            string csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.True((await page.Content.ReadAsByteArrayAsync()).Length > 100, path);
        }

        // The page names no other origin: every src and href is a path on this node.
        string html = await TestHttp.Client.GetStringAsync(new Uri(node.ApiUrl + "/dashboard"));
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Owner_RingOfThree_MatchesAGoStyleRingBuiltFromTheSamePeers()
    {
        // The owner endpoint reads HttpPool.OwnerOf; the dashboard's shares rebuild the ring from
        // the pool's peers. Both must be the one ring: check the pool against a fresh HashRing.
        string[] peers = ["http://127.0.0.1:8083", "http://127.0.0.1:8081", "http://127.0.0.1:8085"];
        using var pool = new HttpPool(peers[0]);
        pool.SetPeers(peers);
        var ring = new HashRing(HttpPoolOptions.DefaultReplicas);
        ring.Add([.. peers.Order(StringComparer.Ordinal)]);

        for (int i = 0; i < 2000; i++)
        {
            string key = "k" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(ring.Get(key), pool.OwnerOf(key));
        }
    }
}
