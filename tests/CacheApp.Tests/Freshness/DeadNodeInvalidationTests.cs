using System.Diagnostics;
using System.Net;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Freshness;

/// <summary>An invalidation while one member is on every ring but answers nothing (SIGSTOP).</summary>
public class DeadNodeInvalidationTests
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Delete_WithAFrozenMember_Is502WithinThePeerTimeoutNamingIt_ThenOkOnceItAnswers()
    {
        using var cluster = await FreshnessCluster.StartAsync(3, notify: false, new Dictionary<string, string>
        {
            ["PEER_TIMEOUT"] = "1s",
            ["MEMBER_DEAD_AFTER"] = "30s", // the frozen node stays on the ring for the whole test
        });
        var (coordinator, other, frozen) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]);
        string[] keys = ["dead/a", "dead/b", "dead/c", "dead/d"];
        foreach (string key in keys)
        {
            await TestHttp.PutValueAsync(cluster.SourceUrl, key, "old");
            await cluster.WarmAsync(key, rounds: 1);
            await TestHttp.PutValueAsync(cluster.SourceUrl, key, "new");
        }

        FreshnessCluster.Freeze(frozen.Process, frozen: true);
        try
        {
            // Several keys: whether the frozen node owns a key (asked first) or not (asked with the others).
            foreach (string key in keys)
            {
                var since = Stopwatch.StartNew();
                var (status, body, response) = await Freshness.SendAsync(HttpMethod.Delete, Freshness.DataUrl(coordinator.ApiUrl, key));
                response.Dispose();
                var took = since.Elapsed;

                // Not a success: the source would take a 2xx as confirmed and stop retrying.
                Assert.Equal(HttpStatusCode.BadGateway, status);
                Assert.Contains("did not confirm", body.GetProperty("error").GetString(), StringComparison.Ordinal);
                Assert.Equal(2, body.GetProperty("confirmed").GetInt32());
                Assert.Equal(3, body.GetProperty("ringSize").GetInt32());
                Assert.Equal(frozen.GcAddr, Assert.Single(body.GetProperty("unreached").EnumerateArray()).GetString());
                Assert.True(took >= PeerTimeout * 0.9, $"{key}: answered after {took}, before the frozen node could time out");
                Assert.True(took < PeerTimeout + TimeSpan.FromSeconds(1.5), $"{key}: answered after {took}");
            }

            Assert.Equal(keys.Length, await Freshness.CounterAsync(coordinator, "invalidationsFailed"));
        }
        finally
        {
            FreshnessCluster.Freeze(frozen.Process, frozen: false);
        }

        // Once it answers again it serves the new values, like the others.
        foreach (string key in keys)
        {
            var (status, _, response) = await Freshness.SendAsync(HttpMethod.Delete, Freshness.DataUrl(other.ApiUrl, key));
            response.Dispose();
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(["new", "new", "new"], await cluster.AnswersAsync(key));
        }
    }

    [Fact]
    public async Task PutThrough_WithAFrozenMember_Is502NamingIt_ThenTheRetryReachesEveryNode()
    {
        using var cluster = await FreshnessCluster.StartAsync(3, notify: false, new Dictionary<string, string>
        {
            ["PEER_TIMEOUT"] = "1s",
            ["MEMBER_DEAD_AFTER"] = "30s", // the frozen node stays on the ring for the whole test
        });
        var (writer, frozen) = (cluster.Nodes[0], cluster.Nodes[2]);
        const string key = "dead/put";
        await TestHttp.PutValueAsync(cluster.SourceUrl, key, "old");
        await cluster.WarmAsync(key, rounds: 1);

        FreshnessCluster.Freeze(frozen.Process, frozen: true);
        try
        {
            var (status, body, response) = await Freshness.SendAsync(HttpMethod.Put, Freshness.DataUrl(writer.ApiUrl, key), Freshness.ValueJson("new"));
            using (response)
            {
                // Written at the source, but the frozen member may still serve "old" (to everyone,
                // when it owns the key): a 2xx would tell the client that every node has the new value.
                Assert.Equal(HttpStatusCode.BadGateway, status);
                Assert.Contains("written to the source", body.GetProperty("error").GetString(), StringComparison.Ordinal);
                Assert.Equal(frozen.GcAddr, Assert.Single(body.GetProperty("unreached").EnumerateArray()).GetString());
                Assert.Equal("2/3", Assert.Single(response.Headers.GetValues("X-Cache-Invalidated")));
            }
        }
        finally
        {
            FreshnessCluster.Freeze(frozen.Process, frozen: false);
        }

        // The retry the 502 asks for.
        var (retried, _, retryResponse) = await Freshness.SendAsync(HttpMethod.Put, Freshness.DataUrl(writer.ApiUrl, key), Freshness.ValueJson("new"));
        using (retryResponse)
        {
            Assert.Equal(HttpStatusCode.OK, retried);
            Assert.Equal("3/3", Assert.Single(retryResponse.Headers.GetValues("X-Cache-Invalidated")));
        }

        Assert.Equal(["new", "new", "new"], await cluster.AnswersAsync(key));
    }
}
