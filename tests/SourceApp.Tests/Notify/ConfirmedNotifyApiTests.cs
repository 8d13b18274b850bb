using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SourceApp.Api;
using SourceApp.Notify;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Notify;

/// <summary>
/// The service with <c>-notify</c> (synchronous by default): a write is answered once every node
/// confirmed, or after <c>-notify-timeout</c> naming the nodes that did not; those are retried.
/// </summary>
public class ConfirmedNotifyApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Put_WithNotify_IsAnsweredOnlyAfterEveryNodeConfirmed()
    {
        await using var fast = await FakeCacheNode.StartAsync();
        await using var slow = await FakeCacheNode.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.Gate = release.Task;
        await using var app = new SourceAppFactory(Flags($"{fast.BaseAddress},{slow.BaseAddress}", timeout: "60s"));
        using var client = app.CreateClient();

        var put = client.PutAsync("/api/data/k", Keys.ValueBody("v"));
        Assert.Equal("DELETE /api/data/k", await slow.NextRequestAsync(0));
        Assert.Equal("DELETE /api/data/k", await fast.NextRequestAsync(0));

        // The slow node has the request but has not answered: the write must still be waiting, also
        // past the 2 s a notification request is given by default (the timeout here is longer).
        Assert.NotSame(put, await Task.WhenAny(put, Task.Delay(InvalidationSender.DefaultRequestTimeout + TimeSpan.FromMilliseconds(500))));
        release.SetResult();
        using var response = await put.WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(response.Headers.Contains(DataApi.NotifyUnreachedHeader));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(body.RootElement.TryGetProperty("notify_unreached", out _));
        Assert.Equal("v", body.RootElement.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Writes_NodeSlowerThanTheTimeout_AreAnsweredAfterTheTimeoutNamingIt()
    {
        await using var fast = await FakeCacheNode.StartAsync();
        await using var slow = await FakeCacheNode.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        slow.Gate = release.Task;
        // The timeout must outlast the fast node's answer even in a cold process on a loaded machine
        // (at 300 ms, a CI run once saw the fast node named too).
        await using var app = new SourceAppFactory(Flags($"{fast.BaseAddress},{slow.BaseAddress}", timeout: "2s"));
        using var client = app.CreateClient();

        var clock = Stopwatch.StartNew();
        using var put = await client.PutAsync("/api/data/k", Keys.ValueBody("v")).WaitAsync(Patience);
        var putTook = clock.Elapsed;
        using var delete = await client.DeleteAsync("/api/data/k").WaitAsync(Patience);
        release.SetResult();

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.True(putTook >= TimeSpan.FromMilliseconds(1900), $"answered after {putTook}, before the timeout");
        Assert.Equal(slow.BaseAddress.ToString(), Assert.Single(put.Headers.GetValues(DataApi.NotifyUnreachedHeader)));
        using (var body = JsonDocument.Parse(await put.Content.ReadAsStringAsync()))
        {
            Assert.Equal([slow.BaseAddress.ToString()], body.RootElement.GetProperty("notify_unreached").EnumerateArray().Select(e => e.GetString()));
        }

        // A DELETE that some node did not confirm is 200 with a body (204 has none to name them in).
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(slow.BaseAddress.ToString(), Assert.Single(delete.Headers.GetValues(DataApi.NotifyUnreachedHeader)));
        using (var body = JsonDocument.Parse(await delete.Content.ReadAsStringAsync()))
        {
            Assert.Equal("k", body.RootElement.GetProperty("key").GetString());
            Assert.Equal([slow.BaseAddress.ToString()], body.RootElement.GetProperty("notify_unreached").EnumerateArray().Select(e => e.GetString()));
        }

        Assert.Null(await app.Store.GetAsync("k"));
    }

    [Fact]
    public async Task Put_NodeUnreachable_IsRetriedInTheBackgroundUntilItConfirms()
    {
        var dead = FakeCacheNode.DeadAddress();
        await using var app = new SourceAppFactory(Flags(dead.ToString(), timeout: "5s"));
        using var client = app.CreateClient();

        using var put = await client.PutAsync("/api/data/k", Keys.ValueBody("v")).WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(dead.ToString(), Assert.Single(put.Headers.GetValues(DataApi.NotifyUnreachedHeader)));
        var retries = app.Services.GetRequiredService<InvalidationRetryQueue>();
        Assert.Equal(1, retries.PendingFor(dead));

        // The node comes up where the dead one was: the queue delivers the key and empties.
        await using var node = await FakeCacheNode.StartAsync(dead.Port);
        Assert.Equal("DELETE /api/data/k", await node.NextRequestAsync(0));
        var deadline = DateTime.UtcNow + Patience;
        while (retries.PendingFor(dead) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, retries.PendingFor(dead));
        Assert.Equal(0, retries.Dropped);
    }

    /// <summary>
    /// A cache node answers its DELETE with 200 also for a key it does not hold, so a 404 means that
    /// -notify names something else (a groupcache port, a wrong path prefix): not a confirmation.
    /// </summary>
    [Fact]
    public async Task Put_NodeAnswers404_IsNamedUnreachedAndRetried()
    {
        await using var node = await FakeCacheNode.StartAsync();
        node.Status = 404;
        await using var app = new SourceAppFactory(Flags(node.BaseAddress.ToString(), timeout: "5s"));
        using var client = app.CreateClient();

        using var put = await client.PutAsync("/api/data/k", Keys.ValueBody("v")).WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(node.BaseAddress.ToString(), Assert.Single(put.Headers.GetValues(DataApi.NotifyUnreachedHeader)));
        Assert.Equal(1, app.Services.GetRequiredService<InvalidationRetryQueue>().PendingFor(node.BaseAddress));
    }

    [Fact]
    public async Task Writes_UnreachedNodeWithANonAsciiPath_NameItEscaped()
    {
        // Header values must be ASCII: the node's unescaped URL made Kestrel refuse the header, and the
        // committed write was answered 500.
        var dead = FakeCacheNode.DeadAddress();
        var node = $"http://127.0.0.1:{dead.Port}/caf\u00e9/";
        var escaped = $"http://127.0.0.1:{dead.Port}/caf%C3%A9/";
        await using var app = new SourceAppFactory(Flags(node, timeout: "5s"));
        using var client = app.CreateClient();

        using var put = await client.PutAsync("/api/data/k", Keys.ValueBody("v")).WaitAsync(Patience);
        using var delete = await client.DeleteAsync("/api/data/k").WaitAsync(Patience);

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(escaped, Assert.Single(put.Headers.GetValues(DataApi.NotifyUnreachedHeader)));
        using (var body = JsonDocument.Parse(await put.Content.ReadAsStringAsync()))
        {
            Assert.Equal([escaped], body.RootElement.GetProperty("notify_unreached").EnumerateArray().Select(e => e.GetString()));
        }

        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.Equal(escaped, Assert.Single(delete.Headers.GetValues(DataApi.NotifyUnreachedHeader)));
        Assert.Null(await app.Store.GetAsync("k"));
    }

    [Fact]
    public async Task Put_WithNotifyAsync_IsAnsweredWithoutWaitingForTheNode()
    {
        await using var node = await FakeCacheNode.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Gate = release.Task;
        var flags = Flags(node.BaseAddress.ToString(), timeout: "60s");
        flags["notify-async"] = "true";
        await using var app = new SourceAppFactory(flags);
        using var client = app.CreateClient();

        // Answered while the node holds the invalidation, which still arrives.
        using var put = await client.PutAsync("/api/data/k", Keys.ValueBody("v")).WaitAsync(Patience);
        Assert.Equal("DELETE /api/data/k", await node.NextRequestAsync(0));
        release.SetResult();

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.False(put.Headers.Contains(DataApi.NotifyUnreachedHeader));
        Assert.IsType<CacheInvalidationNotifier>(app.Services.GetRequiredService<IWriteNotifier>());
    }

    private static Dictionary<string, string> Flags(string notify, string timeout) =>
        new() { ["notify"] = notify, ["notify-timeout"] = timeout };
}
