using System.Collections.Concurrent;
using GroupCache.Http.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace GroupCache.Http.Tests.Hosting;

/// <summary><see cref="Group.RemoveAsync"/> on a ring of three in-process nodes on 127.0.0.1.</summary>
public class RemoveAsyncTests
{
    /// <summary>What the nodes' peer endpoints saw: DELETEs in arrival order, and gates that hold them.</summary>
    private sealed class DeleteWatch
    {
        public ConcurrentQueue<string> Arrived { get; } = new();

        public ConcurrentDictionary<string, TaskCompletionSource> Held { get; } = new();

        /// <summary>Middleware for the node at <paramref name="url"/>: records its peer DELETEs and waits at its gate, if any.</summary>
        public void Watch(WebApplication app, string url) => app.Use(async (HttpContext context, RequestDelegate next) =>
        {
            if (HttpMethods.IsDelete(context.Request.Method))
            {
                Arrived.Enqueue(url);
                if (Held.TryGetValue(url, out var gate))
                {
                    await gate.Task.WaitAsync(context.RequestAborted);
                }
            }

            await next(context);
        });
    }

    private static async Task<FrontDoorNode[]> StartRingAsync(DeleteWatch watch, string[] urls, string[] ring)
    {
        var settings = new Dictionary<string, string?>();
        for (int i = 0; i < ring.Length; i++)
        {
            settings[$"GroupCache:Peers:{i}"] = ring[i];
        }

        return await Task.WhenAll(urls.Select(url => FrontDoorNode.StartAsync(
            url,
            settings,
            g => g.AddGroup("data", 1 << 20, (key, _) => ValueTask.FromResult(ByteView.FromString("v:" + key))),
            beforePeers: app => watch.Watch(app, url))));
    }

    private static string KeyOwnedBy(HttpPool pool, string owner) =>
        Enumerable.Range(0, 10_000).Select(i => $"key-{i}").First(k => pool.OwnerOf(k) == owner);

    [Fact]
    public async Task RemoveAsync_ThreeNodes_AsksEveryPeerAgainOnceAllConfirmedAndAllForget()
    {
        var watch = new DeleteWatch();
        string[] urls = [FrontDoorNode.NewUrl(), FrontDoorNode.NewUrl(), FrontDoorNode.NewUrl()];
        var nodes = await StartRingAsync(watch, urls, urls);
        try
        {
            var caller = nodes[0];
            string owner = urls[1];
            string key = KeyOwnedBy(caller.Pool, owner);
            foreach (var node in nodes)
            {
                await node.Group("data").GetAsync(key); // the owner caches it; the others may mirror it
            }

            Assert.Equal(1, nodes[1].Group("data").GetCacheStats(CacheType.Main).Items);
            var ownerGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            watch.Held[owner] = ownerGate;

            var pending = caller.Group("data").RemoveAsync(key);
            await AddGroupCacheTests.PollAsync(() => watch.Arrived.Count == 2);

            // A gate cannot show that something did not happen: give a wrong implementation (one
            // that does not wait for the whole first pass) a moment to start the second.
            await Task.Delay(200);
            string[] whileOwnerPending = [.. watch.Arrived];
            watch.Held.TryRemove(owner, out _);
            ownerGate.SetResult();
            var result = await pending;

            Assert.Equal(new[] { owner, urls[2] }.Order(), whileOwnerPending.Order());
            string[] arrived = [.. watch.Arrived];
            Assert.Equal(4, arrived.Length);
            Assert.Equal(new[] { owner, urls[2] }.Order(), arrived[2..].Order());
            Assert.Equal(3, result.Asked);
            Assert.Equal(3, result.Confirmed);
            Assert.True(result.Complete);
            foreach (var node in nodes)
            {
                var group = node.Group("data");
                Assert.Equal(0, group.GetCacheStats(CacheType.Main).Items + group.GetCacheStats(CacheType.Hot).Items);
            }
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task RemoveAsync_UnreachablePeer_IsReportedNotThrown()
    {
        var watch = new DeleteWatch();
        string[] urls = [FrontDoorNode.NewUrl(), FrontDoorNode.NewUrl()];
        string gone = FrontDoorNode.NewUrl(); // on the ring, but nothing listens there
        var nodes = await StartRingAsync(watch, urls, [.. urls, gone]);
        try
        {
            var caller = nodes[0];
            string key = KeyOwnedBy(caller.Pool, gone);

            var result = await caller.Group("data").RemoveAsync(key);

            Assert.Equal(3, result.Asked);
            Assert.Equal(2, result.Confirmed);
            Assert.Equal([gone], result.Unreached);
            Assert.False(result.Complete);
            Assert.Equal([urls[1], urls[1]], watch.Arrived); // both passes; the unreached one is not asked again
        }
        finally
        {
            await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        }
    }
}
