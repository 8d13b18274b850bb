using System.Collections.Concurrent;
using System.Diagnostics;
using GroupCache.Diagnostics;
using GroupCache.Http.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace GroupCache.Http.Tests;

/// <summary>
/// The GroupCache spans across two in-process nodes. One class: its tests must not overlap, because
/// an activity listener is process-wide and one of them checks what happens with none.
/// </summary>
public class TracingTests
{
    [Fact]
    public async Task GroupGet_ThroughNonOwner_OneTraceLinksClientAndServerSpans()
    {
        await using var a = await TestNode.StartAsync();
        await using var b = await TestNode.StartAsync();
        a.Pool.SetPeers([a.Url, b.Url]);
        b.Pool.SetPeers([a.Url, b.Url]);
        string key = Enumerable.Range(0, 1000).Select(i => "traced" + i).First(k => a.Pool.OwnerOf(k) == b.Url);
        var spans = new ConcurrentQueue<Activity>();
        using var listener = Listen(spans);

        await a.Group.GetAsync(key);

        // The server's span ends after its answer is written, so it can be reported a moment
        // after the client already has the value.
        await WaitForAsync(() => spans.Any(s => s.OperationName == GroupCacheTracing.PeerServeSpan));
        var client = Assert.Single(spans, s => s.OperationName == GroupCacheTracing.PeerGetSpan && Equals(s.GetTagItem("groupcache.peer"), b.Url));
        var server = Assert.Single(spans, s => s.OperationName == GroupCacheTracing.PeerServeSpan && s.TraceId == client.TraceId);
        var load = Assert.Single(spans, s => s.OperationName == GroupCacheTracing.LoadSpan && s.TraceId == client.TraceId);
        Assert.Equal(ActivityKind.Client, client.Kind);
        Assert.Equal(ActivityKind.Server, server.Kind);
        Assert.Equal(client.SpanId, server.ParentSpanId);
        Assert.True(server.HasRemoteParent);
        Assert.Equal(server.SpanId, load.ParentSpanId);
        Assert.Equal("ok", client.GetTagItem("outcome"));
        Assert.Equal("ok", load.GetTagItem("outcome"));
        Assert.All(new[] { client, server, load }, s => Assert.DoesNotContain(s.Tags, t => t.Value == key));
    }

    [Fact]
    public async Task PeerFetch_NobodyTraces_SendsNoTraceParent()
    {
        var seen = new ConcurrentQueue<string?>();
        await using var recorder = await TestServerHost.StartAsync(app => app.Run(ctx =>
        {
            seen.Enqueue(ctx.Request.Headers[GroupCacheTracing.TraceParentHeader]);
            ctx.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        }));
        await using var a = await TestNode.StartAsync();
        a.Pool.SetPeers([a.Url, recorder.Url]);
        string[] keys = [.. Enumerable.Range(0, 1000).Select(i => "k" + i).Where(k => a.Pool.OwnerOf(k) == recorder.Url).Take(2)];

        await a.Group.GetAsync(keys[0]);
        using (Listen(new ConcurrentQueue<Activity>()))
        {
            await a.Group.GetAsync(keys[1]);
        }

        Assert.Equal(2, seen.Count);
        Assert.Null(seen.First());
        Assert.StartsWith("00-", seen.Last());
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    private static ActivityListener Listen(ConcurrentQueue<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GroupCacheTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
