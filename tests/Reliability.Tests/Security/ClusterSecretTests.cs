using System.Net;
using System.Text;
using GroupCache.Http;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Security;

/// <summary>CLUSTER_SECRET: when set, joining, membership changes and the peer protocol need it.</summary>
public sealed class ClusterSecretTests(ITestOutputHelper output)
{
    private const string Secret = "s3cret-of-the-ring";

    [Fact]
    public async Task ClusterSecret_Set_NodesWithoutOrWithAWrongSecretCannotJoinChangeMembershipOrReadPeerData()
    {
        using var cluster = await TestCluster.StartAsync(2, new Dictionary<string, string> { ["CLUSTER_SECRET"] = Secret });
        var (a, b) = (cluster.Nodes[0], cluster.Nodes[1]);
        using var without = new CacheNode("no-secret", cluster.Source.Url, [a.ApiUrl, b.ApiUrl]);
        using var wrong = new CacheNode("wrong-secret", cluster.Source.Url, [a.ApiUrl, b.ApiUrl], new Dictionary<string, string> { ["CLUSTER_SECRET"] = Secret + "x" });
        await without.StartAsync();
        await wrong.StartAsync();

        // Both strangers announce themselves and gossip every 500 ms; for 4 s the ring must not take them.
        string[] ring = [.. new[] { a.GcAddr, b.GcAddr }.Order(StringComparer.Ordinal)];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        int checks = 0;
        while (DateTime.UtcNow < deadline)
        {
            Assert.Equal(ring, await a.RingAsync());
            Assert.Equal(ring, await b.RingAsync());
            checks++;
            await Task.Delay(200);
        }

        Assert.Equal([without.GcAddr], await without.RingAsync());
        Assert.Equal([wrong.GcAddr], await wrong.RingAsync());

        // Reading a peer's data: only with the secret.
        string url = $"{a.GcAddr}/_groupcache/data/apple";
        var noHeader = await SendAsync(HttpMethod.Get, url, null);
        var wrongHeader = await SendAsync(HttpMethod.Get, url, Secret + "x");
        var shortHeader = await SendAsync(HttpMethod.Get, url, "s");
        var rightHeader = await SendAsync(HttpMethod.Get, url, Secret);
        var deleteNoHeader = await SendAsync(HttpMethod.Delete, url, null);

        // Membership changes: a forged "b left" without the secret is refused, and b stays.
        // It carries b's real incarnation, so that only the secret stands between it and the table.
        var bSeenByA = (await a.PeersAsync()).GetProperty("members").EnumerateArray().Single(m => m.GetProperty("groupcacheAddr").GetString() == b.GcAddr);
        long incarnation = bSeenByA.GetProperty("incarnation").GetInt64();
        long heartbeat = bSeenByA.GetProperty("heartbeat").GetInt64() + 1000;
        string leave = $$"""{"from":"{{b.GcAddr}}","members":[{"apiAddr":"{{b.ApiUrl}}","groupCacheAddr":"{{b.GcAddr}}","incarnation":{{incarnation}},"heartbeat":{{heartbeat}},"left":true,"ageMs":0}]}""";
        var forgedLeave = await SendAsync(HttpMethod.Post, a.ApiUrl + "/api/cluster/leave", null, leave);
        var wrongLeave = await SendAsync(HttpMethod.Post, a.ApiUrl + "/api/cluster/leave", Secret + "x", leave);
        string join = $$"""{"from":"http://127.0.0.1:1","members":[{"apiAddr":"http://127.0.0.1:2","groupCacheAddr":"http://127.0.0.1:1","incarnation":1,"heartbeat":1,"left":false,"ageMs":0}]}""";
        var forgedJoin = await SendAsync(HttpMethod.Post, a.ApiUrl + "/api/cluster/join", null, join);
        var forgedGossip = await SendAsync(HttpMethod.Post, a.ApiUrl + "/api/cluster/gossip", null, join);
        await Task.Delay(600);
        var ringAfter = await a.RingAsync();

        // The members themselves still talk: each fresh key through both nodes, one of which is not
        // its owner and must ask the other (exactly one peer load per key).
        var fresh = Values.Keys("secret-", 10);
        await cluster.SeedAsync(fresh);
        foreach (string key in fresh)
        {
            Assert.Equal(HttpStatusCode.OK, (await a.GetAsync(key)).Status);
            Assert.Equal(HttpStatusCode.OK, (await b.GetAsync(key)).Status);
        }

        long peerLoads = await a.StatAsync("peerLoads") + await b.StatAsync("peerLoads");
        long peerErrors = await a.StatAsync("peerErrors") + await b.StatAsync("peerErrors");
        new Figures("cluster-secret", output)
            .Add("ringChecksWhileStrangersTried", checks)
            .Add("peerGet", new { noHeader, wrongHeader, shortHeader, rightHeader, deleteNoHeader })
            .Add("membership", new { forgedLeave, wrongLeave, forgedJoin, forgedGossip })
            .Add("membersPeerLoads", peerLoads)
            .Add("membersPeerErrors", peerErrors)
            .Write();

        Assert.Equal(401, noHeader);
        Assert.Equal(401, wrongHeader);
        Assert.Equal(401, shortHeader);
        Assert.Equal(200, rightHeader);
        Assert.Equal(401, deleteNoHeader);
        Assert.Equal(401, forgedLeave);
        Assert.Equal(401, wrongLeave);
        Assert.Equal(401, forgedJoin);
        Assert.Equal(401, forgedGossip);
        Assert.Equal(ring, ringAfter);
        Assert.True(peerLoads >= fresh.Count, $"only {peerLoads} peer loads between the members for {fresh.Count} keys");
        Assert.Equal(0, peerErrors);
    }

    [Fact]
    public async Task ClusterSecret_Unset_PeerProtocolAnswersWithoutAHeader_AsGoGroupcacheNodesNeed()
    {
        using var cluster = await TestCluster.StartAsync(1);
        var node = cluster.Nodes[0];

        int status = await SendAsync(HttpMethod.Get, $"{node.GcAddr}/_groupcache/data/apple", null);

        Assert.Equal(200, status);
    }

    private static async Task<int> SendAsync(HttpMethod method, string url, string? secret, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(url));
        if (secret is not null)
        {
            request.Headers.TryAddWithoutValidation(PeerProtocolHeaders.Secret, secret);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await TestHttp.Client.SendAsync(request);
        return (int)response.StatusCode;
    }
}
