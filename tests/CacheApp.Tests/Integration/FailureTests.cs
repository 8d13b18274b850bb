using System.Net;
using System.Net.Sockets;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Integration;

/// <summary>Nodes and the source failing and coming back, with real processes.</summary>
[Trait("Category", "Cluster")] // also run against the Native AOT build (test.sh)
public class FailureTests
{
    private static async Task SeedAsync(TestCluster cluster, IEnumerable<string> keys)
    {
        foreach (string key in keys)
        {
            await TestHttp.PutValueAsync(cluster.Source.Url, key, Keys.ValueOf(key));
        }
    }

    private static async Task AssertServedAsync(CacheNode node, string key)
    {
        var (status, body) = await node.GetAsync(key);
        Assert.True(status == HttpStatusCode.OK, $"{node.Name} {key}: {(int)status} {body}");
        Assert.Equal(Keys.ValueOf(key), body.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Sigkill_OneNode_OthersDropItWithin5sServeEverythingAndItRejoinsAndOwnsKeys()
    {
        // A dead-after of 2s leaves room within the 5s budget for a busy CI machine.
        using var cluster = await TestCluster.StartAsync(3, new Dictionary<string, string> { ["MEMBER_DEAD_AFTER"] = "2s" });
        var (a, b, victim) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        var before = Keys.Make("before-", 30);
        var during = Keys.Make("during-", 30);
        var after = Keys.Make("after-", 60);
        await SeedAsync(cluster, [.. before, .. during, .. after]);
        foreach (string key in before)
        {
            await AssertServedAsync(a, key);
        }

        string[] survivors = [.. new[] { a.GcAddr, b.GcAddr }.Order(StringComparer.Ordinal)];
        victim.Process.Kill();
        bool dropped = await TestHttp.EventuallyAsync(
            async () => (await a.RingAsync()).SequenceEqual(survivors) && (await b.RingAsync()).SequenceEqual(survivors),
            TimeSpan.FromSeconds(5));
        Assert.True(dropped, await cluster.DescribeAsync());
        Assert.Contains(victim.GcAddr, await a.MembersAsync("dead"));

        foreach (string key in before.Concat(during))
        {
            await AssertServedAsync(a, key);
            await AssertServedAsync(b, key);
        }

        // Back at the same addresses, with a new incarnation: it rejoins and owns its share again.
        await victim.StartAsync();
        await cluster.WaitConvergedAsync(cluster.Nodes, TimeSpan.FromSeconds(15));
        foreach (string key in after)
        {
            await AssertServedAsync(a, key);
        }

        Assert.True(await victim.StatAsync("localLoads") > 0, "the restarted node loaded none of the keys it owns");
        Assert.True(await victim.StatAsync("serverRequests") > 0, "no peer asked the restarted node for a key");
    }

    [Fact]
    public async Task SourceDown_CachedKeysServedOthers502_ThenRecoversWithoutRestart()
    {
        using var cluster = await TestCluster.StartAsync(3);
        var cached = Keys.Make("cached-", 20);
        var uncached = Keys.Make("uncached-", 5);
        await SeedAsync(cluster, [.. cached, .. uncached]);
        foreach (string key in cached)
        {
            await AssertServedAsync(cluster.Nodes[0], key);
        }

        cluster.Source.Kill();

        foreach (var node in cluster.Nodes)
        {
            foreach (string key in cached)
            {
                await AssertServedAsync(node, key);
            }

            var (status, body) = await node.GetAsync(uncached[0]);
            Assert.Equal(HttpStatusCode.BadGateway, status);
            Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
        }

        Assert.True(await TestHttp.EventuallyAsync(
            async () => (await cluster.Nodes[1].StatusAsync()).GetProperty("source").GetProperty("healthy").ValueKind == System.Text.Json.JsonValueKind.False,
            TimeSpan.FromSeconds(10)));

        await cluster.Source.StartAsync();

        foreach (var node in cluster.Nodes)
        {
            foreach (string key in uncached)
            {
                await AssertServedAsync(node, key);
            }
        }
    }

    [Fact]
    public async Task SlowSource_Get_Is504AfterSourceTimeout()
    {
        // A "source" that accepts connections and never answers.
        using var silent = new TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await silent.AcceptTcpClientAsync(stop.Token));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        using var node = new CacheNode("slow", $"http://127.0.0.1:{port}", extraEnv: new Dictionary<string, string> { ["SOURCE_TIMEOUT"] = "300ms" });
        try
        {
            await node.StartAsync();

            var (status, body) = await node.GetAsync("anything");

            Assert.Equal(HttpStatusCode.GatewayTimeout, status);
            Assert.Contains("300ms", body.GetProperty("error").GetString());
        }
        finally
        {
            await stop.CancelAsync();
            await accepting;
            held.ForEach(c => c.Dispose());
        }
    }
}
