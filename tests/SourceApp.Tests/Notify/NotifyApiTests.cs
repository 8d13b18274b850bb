using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SourceApp.Notify;
using SourceApp.Tests.Api;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Notify;

/// <summary>The service with <c>-notify</c>: committed writes tell a cache node; failures never touch the write.</summary>
public class NotifyApiTests
{
    [Fact]
    public async Task PutAndDelete_WithNotify_TellTheCacheNodeToDropTheKey()
    {
        await using var node = await FakeCacheNode.StartAsync();
        await using var app = new SourceAppFactory(new Dictionary<string, string> { ["notify"] = node.BaseAddress.ToString() });
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync(Keys.DataPath("a/b c"), Keys.ValueBody("v"))).StatusCode);
        Assert.Equal("DELETE /api/data/a%2Fb%20c", await node.NextRequestAsync(0));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/data/apple")).StatusCode);
        Assert.Equal("DELETE /api/data/apple", await node.NextRequestAsync(1));
    }

    [Fact]
    public async Task Delete_OfAnAbsentKey_Is404_AndStillTellsTheNodes_SoARepeatedDeleteRepairsAMissedInvalidation()
    {
        await using var node = await FakeCacheNode.StartAsync();
        await using var app = new SourceAppFactory(new Dictionary<string, string> { ["notify"] = node.BaseAddress.ToString() });
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/data/apple")).StatusCode);
        Assert.Equal("DELETE /api/data/apple", await node.NextRequestAsync(0));
        await DataApiTests.AssertErrorAsync(await client.DeleteAsync("/api/data/apple"), HttpStatusCode.NotFound);
        Assert.Equal("DELETE /api/data/apple", await node.NextRequestAsync(1));
    }

    [Fact]
    public async Task Delete_OfAnAbsentKey_NodeUnreached_Is404NamingIt()
    {
        var dead = FakeCacheNode.DeadAddress();
        await using var app = new SourceAppFactory(new Dictionary<string, string> { ["notify"] = dead.ToString(), ["notify-timeout"] = "5s" });
        using var client = app.CreateClient();

        using var delete = await client.DeleteAsync("/api/data/never-written");

        await DataApiTests.AssertErrorAsync(delete, HttpStatusCode.NotFound);
        Assert.Equal(dead.ToString(), Assert.Single(delete.Headers.GetValues(SourceApp.Api.DataApi.NotifyUnreachedHeader)));

        // Nothing changed at the source: not queued for retries, so a flood of such DELETEs cannot
        // crowd the invalidations of real writes out of the node's queue.
        Assert.Equal(0, app.Services.GetRequiredService<InvalidationRetryQueue>().PendingFor(dead));
    }

    [Fact]
    public async Task OnlyCommittedWritesAndDeletes_AreNotified()
    {
        var recorder = new RecordingNotifier();
        await using var app = new SourceAppFactory(services: s => s.AddSingleton<IWriteNotifier>(recorder));
        using var client = app.CreateClient();

        await DataApiTests.AssertErrorAsync(await client.DeleteAsync("/api/data/missing"), HttpStatusCode.NotFound);
        await DataApiTests.AssertErrorAsync(await client.PutAsync("/api/data/k", Keys.Json("bad")), HttpStatusCode.BadRequest);
        await DataApiTests.AssertErrorAsync(await client.PutAsync("/api/data/", Keys.ValueBody("v")), HttpStatusCode.BadRequest);
        await client.GetAsync("/api/data/apple");
        await client.PutAsync("/api/data/put", Keys.ValueBody("v"));
        await client.DeleteAsync("/api/data/apple");

        // A DELETE of an absent key is told too, as possibly stale (it may repair a missed
        // invalidation); a refused write and a read are not.
        Assert.Equal(["stale:missing", "put", "apple"], recorder.Keys);
    }

    /// <summary>Records the keys it is told about, in order.</summary>
    private sealed class RecordingNotifier : IWriteNotifier
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _keys = new();

        public IReadOnlyCollection<string> Keys => _keys;

        public ValueTask<IReadOnlyList<Uri>> KeyChangedAsync(string key)
        {
            _keys.Enqueue(key);
            return new([]);
        }

        public ValueTask<IReadOnlyList<Uri>> KeyMayBeStaleAsync(string key)
        {
            _keys.Enqueue("stale:" + key);
            return new([]);
        }
    }

    [Fact]
    public async Task Writes_EveryCacheNodeDown_AreStillAcknowledgedAndStored()
    {
        var flags = new Dictionary<string, string> { ["notify"] = $"{FakeCacheNode.DeadAddress()},{FakeCacheNode.DeadAddress()}" };
        await using var app = new SourceAppFactory(flags);
        using var client = app.CreateClient();

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PutAsync($"/api/data/k{i}", Keys.ValueBody("v"))).StatusCode);
        }

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v", (await app.Store.GetAsync($"k{i}"))?.Value);
        }
    }
}
