using System.Diagnostics;
using System.Net;
using System.Text;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Integration;

/// <summary>Membership with real processes: discovery, convergence and graceful leave.</summary>
[Trait("Category", "Cluster")] // also run against the Native AOT build (test.sh)
public class ClusterFormationTests
{
    [Fact]
    public async Task Start_FirstNodeListsPeersNotYetUp_AllAgreeOnThreeAliveMembersWithin10s()
    {
        using var dir = new TempDir();
        using var source = new SourceNode(dir.Path);
        await source.StartAsync();

        // b and c list nobody: only a's retries (with backoff) can bring the three together.
        var b = new CacheNode("b", source.Url);
        var c = new CacheNode("c", source.Url);
        using var a = new CacheNode("a", source.Url, [b.ApiUrl, c.ApiUrl]);
        using var bb = b;
        using var cc = c;
        await a.StartAsync();
        Assert.Equal([a.GcAddr], await a.RingAsync());

        b.Launch();
        c.Launch();
        await Health.WaitAsync(b.Process, b.ApiUrl);
        await Health.WaitAsync(c.Process, c.ApiUrl);
        var clock = Stopwatch.StartNew();

        string[] expected = [.. new[] { a, b, c }.Select(n => n.GcAddr).Order(StringComparer.Ordinal)];
        bool converged = await TestHttp.EventuallyAsync(
            async () =>
            {
                foreach (var node in new[] { a, b, c })
                {
                    if (!(await node.MembersAsync()).SequenceEqual(expected) || !(await node.RingAsync()).SequenceEqual(expected))
                    {
                        return false;
                    }
                }

                return true;
            },
            TimeSpan.FromSeconds(10));

        Assert.True(converged, $"not converged after {clock.Elapsed}:\n{a.Process.Output}\n{await a.PeersAsync()}\n{await b.PeersAsync()}\n{await c.PeersAsync()}");
    }

    [Fact]
    public async Task Stop_Sigterm_OthersSeeLeftAtOnceAndDropItFromTheRing()
    {
        // A dead-after far beyond the wait: only the leave message can explain the change.
        using var cluster = await TestCluster.StartAsync(3, new Dictionary<string, string> { ["MEMBER_DEAD_AFTER"] = "30s" });
        var leaving = cluster.Nodes[2];

        leaving.Process.Terminate();
        Assert.True(await leaving.Process.WaitForExitAsync(TimeSpan.FromSeconds(20)), "the node did not stop on SIGTERM");
        Assert.Equal(0, leaving.Process.ExitCode);

        foreach (var node in cluster.Nodes.Take(2))
        {
            bool dropped = await TestHttp.EventuallyAsync(
                async () => (await node.MembersAsync("left")).Contains(leaving.GcAddr) && !(await node.RingAsync()).Contains(leaving.GcAddr),
                TimeSpan.FromSeconds(3));
            Assert.True(dropped, await cluster.DescribeAsync());
        }

        Assert.Contains("Leaving the cluster", leaving.Process.Output);
    }

    [Fact]
    public async Task Secret_Set_NodesConvergeAndStrangersAre401()
    {
        using var cluster = await TestCluster.StartAsync(2, new Dictionary<string, string> { ["CLUSTER_SECRET"] = "s3cret" });
        var node = cluster.Nodes[0];

        using var content = new StringContent("""{"from":"http://127.0.0.1:1","members":[]}""", Encoding.UTF8, "application/json");
        using var gossip = await TestHttp.Client.PostAsync(new Uri(node.ApiUrl + "/api/cluster/gossip"), content);
        using var peer = await TestHttp.Client.GetAsync(new Uri(node.GcAddr + "/_groupcache/data/apple"));

        Assert.Equal(HttpStatusCode.Unauthorized, gossip.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, peer.StatusCode);

        // Each key through both nodes: one of the two is never its owner and must ask the other.
        foreach (string key in new[] { "apple", "banana", "orange", "grape", "pear" })
        {
            foreach (var n in cluster.Nodes)
            {
                Assert.Equal(HttpStatusCode.OK, (await n.GetAsync(key)).Status);
            }
        }

        Assert.Equal(0, await cluster.SumStatAsync("peerErrors"));
        Assert.True(await cluster.SumStatAsync("peerLoads") >= 5);
    }

    [Fact]
    public async Task ClusterEndpoints_BadMessages_Are400WithJsonError()
    {
        using var cluster = await TestCluster.StartAsync(1);
        string url = cluster.Nodes[0].ApiUrl + "/api/cluster/gossip";
        string[] bodies =
        [
            "not json",
            "null",
            """{"from":"http://127.0.0.1:1","members":[{"apiAddr":"ftp://127.0.0.1:2","groupCacheAddr":"http://127.0.0.1:3","incarnation":1,"heartbeat":1,"left":false,"ageMs":0}]}""",
            """{"from":"http://127.0.0.1:1"}""",
        ];

        foreach (string body in bodies)
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await TestHttp.Client.PostAsync(new Uri(url), content);
            string text = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("\"error\"", text);
        }

        Assert.Equal([cluster.Nodes[0].GcAddr], await cluster.Nodes[0].RingAsync());
    }
}
