using System.Net;
using Google.Protobuf;
using GroupCache.Http.Protocol;
using GroupCache.Http.Tests.Support;
using Microsoft.AspNetCore.Http;
using ServiceTesting;

namespace GroupCache.Http.Tests;

public class HttpPeerClientTests
{
    public static TheoryData<string> BrokenAnswers() =>
    [
        "status503", "status404-go", "garbage", "truncated-body", "truncated-protobuf", "oversized-content-length", "oversized-chunked", "redirect",
        "empty-200-without-type", "empty-200-html", "html-200",
    ];

    [Theory]
    [MemberData(nameof(BrokenAnswers))]
    public async Task GroupGet_PeerAnswersBadly_CountsPeerErrorAndLoadsLocally(string answer)
    {
        var log = new RecordingLogger();
        await using var rogue = await RoguePeer.StartAsync(
            context => BrokenAsync(context, answer),
            new HttpPoolOptions { MaxValueBytes = 1024 },
            new GroupOptions { Logger = log });
        string key = rogue.KeyOwnedByRogue();

        var value = await rogue.Node.Group.GetAsync(key);

        Assert.Equal("v:" + key, value.ToString());
        Assert.Equal(1, rogue.Node.Group.Stats.PeerErrors);
        Assert.Equal(0, rogue.Node.Group.Stats.PeerLoads);
        Assert.Equal(1, rogue.Node.Getter.CallsFor(key));
        var failure = Assert.Single(log.Entries, e => e.EventId == 1001);
        Assert.IsNotType<NotFoundException>(failure.Exception);
    }

    [Fact]
    public async Task GroupGet_PeerTimesOut_CountsPeerErrorAndLoadsLocally()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new RecordingLogger();
        await using var rogue = await RoguePeer.StartAsync(
            async context =>
            {
                await release.Task.WaitAsync(context.RequestAborted);
            },
            new HttpPoolOptions { PeerTimeout = TimeSpan.FromMilliseconds(300) },
            new GroupOptions { Logger = log });
        string key = rogue.KeyOwnedByRogue();

        try
        {
            var value = await rogue.Node.Group.GetAsync(key);

            Assert.Equal("v:" + key, value.ToString());
            Assert.Equal(1, rogue.Node.Group.Stats.PeerErrors);
            Assert.IsType<TimeoutException>(Assert.Single(log.Entries, e => e.EventId == 1001).Exception);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task GetAsync_LargestAllowedValueAnnounced_TakesABufferForIt()
    {
        // At the largest MaxValueBytes the limit with framing is one array's worth; the body's
        // buffer takes a byte more than announced, which must still fit in one array. The peer
        // announces that much, sends a few bytes and stalls: the fetch times out reading the body
        // (the buffer was allocated, uninitialised), rather than failing to allocate it.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var rogue = await RoguePeer.StartAsync(
            async context =>
            {
                context.Response.ContentType = PeerProtocolHeaders.ProtobufContentType;
                context.Response.ContentLength = HttpPoolOptions.MaxValueBytesLimit + 64;
                await context.Response.Body.WriteAsync(new byte[] { 0x0a, 0x05, 1, 2, 3 });
                await context.Response.Body.FlushAsync();
                await release.Task.WaitAsync(context.RequestAborted);
            },
            new HttpPoolOptions { MaxValueBytes = HttpPoolOptions.MaxValueBytesLimit, PeerTimeout = TimeSpan.FromSeconds(1) });

        try
        {
            var failure = await Record.ExceptionAsync(async () => await rogue.Node.Pool.ClientFor(rogue.Url).GetAsync("data", "k", CancellationToken.None));

            Assert.IsType<TimeoutException>(failure);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task GetAsync_BodyStallsAfterHeaders_TimesOut()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var rogue = await RoguePeer.StartAsync(
            async context =>
            {
                context.Response.ContentType = PeerProtocolHeaders.ProtobufContentType;
                context.Response.ContentLength = 100;
                await context.Response.Body.WriteAsync(new byte[] { 0x0a, 0x62 });
                await context.Response.Body.FlushAsync();
                await release.Task.WaitAsync(context.RequestAborted);
            },
            new HttpPoolOptions { PeerTimeout = TimeSpan.FromMilliseconds(300) });

        try
        {
            await Assert.ThrowsAsync<TimeoutException>(async () => await rogue.Node.Pool.ClientFor(rogue.Url).GetAsync("data", "k", CancellationToken.None));
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task GetAsync_AfterATimeout_NextRequestsStillSucceed()
    {
        // Timeout sources are pooled: one that fired must not be handed out again.
        var slow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var owner = await TestNode.StartAsync(getter: new CountingGetter(async (key, _) =>
        {
            if (key == "slow")
            {
                await slow.Task;
            }

            return SyntheticValues.For(key);
        }));
        // Long enough that the requests after the timeout cannot time out on a busy machine.
        using var pool = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { PeerTimeout = TimeSpan.FromSeconds(1) });
        var client = pool.ClientFor(owner.Url);

        try
        {
            await Assert.ThrowsAsync<TimeoutException>(async () => await client.GetAsync("data", "slow", CancellationToken.None));
            for (int i = 0; i < 50; i++)
            {
                Assert.Equal("v:k" + i, (await client.GetAsync("data", "k" + i, CancellationToken.None)).Value.ToString());
            }
        }
        finally
        {
            slow.TrySetResult();
        }
    }

    [Fact]
    public async Task GetAsync_CallerCancels_ThrowsOperationCanceled()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var rogue = await RoguePeer.StartAsync(async context =>
        {
            entered.TrySetResult();
            await release.Task.WaitAsync(context.RequestAborted);
        });
        using var cancel = new CancellationTokenSource();

        try
        {
            var pending = rogue.Node.Pool.ClientFor(rogue.Url).GetAsync("data", "k", cancel.Token).AsTask();
            await entered.Task;
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task GetAsync_CallersTokenCancelledAfterItsRequestEnded_LaterRequestsUnaffected()
    {
        // Timeout sources are pooled: the caller's token reaches the source through a registration,
        // which must be gone once the request ended, or cancelling that token later would cancel
        // whichever request rents the source next.
        await using var owner = await TestNode.StartAsync();
        await using var asker = await TestNode.StartAsync();
        var client = asker.Pool.ClientFor(owner.Url);
        var callers = Enumerable.Range(0, 8).Select(_ => new CancellationTokenSource()).ToList();
        try
        {
            foreach (var (caller, i) in callers.Select((c, i) => (c, i)))
            {
                Assert.Equal("v:done" + i, (await client.GetAsync(TestNode.GroupName, "done" + i, caller.Token)).Value.ToString());
            }

            foreach (var caller in callers)
            {
                await caller.CancelAsync();
            }

            for (int i = 0; i < 16; i++)
            {
                Assert.Equal("v:next" + i, (await client.GetAsync(TestNode.GroupName, "next" + i, CancellationToken.None)).Value.ToString());
            }
        }
        finally
        {
            callers.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task GroupGet_OwnerSaysNotFound_ThrowsNotFoundWithoutAskingTheLocalSource()
    {
        await using var a = await TestNode.StartAsync();
        await using var b = await TestNode.StartAsync();
        a.Pool.SetPeers([a.Url, b.Url]);
        b.Pool.SetPeers([a.Url, b.Url]);
        string key = Enumerable.Range(0, 1000).Select(i => "missing:" + i).First(k => a.Pool.OwnerOf(k) == b.Url);

        var ex = await Assert.ThrowsAsync<NotFoundException>(async () => await a.Group.GetAsync(key));

        Assert.Equal("not found: " + key, ex.Message);
        Assert.Equal(0, a.Getter.CallsFor(key));
        Assert.Equal(1, b.Getter.CallsFor(key));
        Assert.Equal(0, a.Group.Stats.PeerErrors);
    }

    [Fact]
    public async Task GroupGet_KeyTooLongForTheOwnersRequestLine_IsAPeerErrorAndLoadsLocally()
    {
        await using var a = await TestNode.StartAsync();
        await using var b = await TestNode.StartAsync();
        a.Pool.SetPeers([a.Url, b.Url]);
        string key = Enumerable.Range(0, 1000).Select(i => new string('é', 3000) + i).First(k => a.Pool.OwnerOf(k) == b.Url);

        var value = await a.Group.GetAsync(key);

        Assert.Equal("v:" + key, value.ToString());
        Assert.Equal(1, a.Group.Stats.PeerErrors);
        Assert.Equal(1, a.Getter.CallsFor(key));
        Assert.Equal(0, b.Getter.Total);
    }

    [Fact]
    public async Task GroupGet_KeyOwnedByPeer_LoadsOnTheOwnerOnly()
    {
        await using var a = await TestNode.StartAsync();
        await using var b = await TestNode.StartAsync();
        a.Pool.SetPeers([b.Url, a.Url]);
        b.Pool.SetPeers([a.Url, b.Url]);
        string key = Enumerable.Range(0, 1000).Select(i => "k" + i).First(k => a.Pool.OwnerOf(k) == b.Url);

        var value = await a.Group.GetAsync(key);

        Assert.Equal("v:" + key, value.ToString());
        Assert.Equal(0, a.Getter.CallsFor(key));
        Assert.Equal(1, b.Getter.CallsFor(key));
        Assert.Equal(1, a.Group.Stats.PeerLoads);
        Assert.Equal(1, b.Group.Stats.ServerRequests);
    }

    [Theory]
    [MemberData(nameof(PeerPathTests.OddKeys), MemberType = typeof(PeerPathTests))]
    public async Task GetAsync_OddKey_ReachesTheOwnerExactly(string key)
    {
        await using var owner = await TestNode.StartAsync();
        using var pool = new HttpPool("http://127.0.0.1:1");

        var response = await pool.ClientFor(owner.Url).GetAsync(TestNode.GroupName, key, CancellationToken.None);

        Assert.Equal("v:" + key, response.Value.ToString());
        Assert.Equal(1, owner.Getter.CallsFor(key));
    }

    [Fact]
    public async Task GetAsync_LargeValueWithTtl_ReturnsValueAndExpiry()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
        await using var owner = await TestNode.StartAsync(groupOptions: new GroupOptions { Ttl = TimeSpan.FromMinutes(1), TimeProvider = clock });
        using var pool = new HttpPool("http://127.0.0.1:1");
        const string key = "bin:1048576:big";

        var response = await pool.ClientFor(owner.Url).GetAsync(TestNode.GroupName, key, CancellationToken.None);

        Assert.Equal(SyntheticValues.For(key).ToArray(), response.Value.ToArray());
        Assert.Equal((1_700_000_000L + 60) * 1_000_000_000, response.ExpiresAtUnixNanos);
    }

    [Fact]
    public async Task GetAsync_ValueWithoutExpiry_ReturnsZeroExpiry()
    {
        await using var owner = await TestNode.StartAsync();
        using var pool = new HttpPool("http://127.0.0.1:1");

        var response = await pool.ClientFor(owner.Url).GetAsync(TestNode.GroupName, "bin:0:x", CancellationToken.None);

        Assert.Equal(0, response.Value.Length);
        Assert.Equal(0, response.ExpiresAtUnixNanos);
    }

    [Fact]
    public async Task GetAsync_ClosedPort_ThrowsHttpRequestException()
    {
        using var pool = new HttpPool("http://127.0.0.1:1");
        await Assert.ThrowsAsync<HttpRequestException>(async () =>
            await pool.ClientFor("http://127.0.0.1:" + FreePort.Next()).GetAsync("data", "k", CancellationToken.None));
    }

    [Fact]
    public async Task RemoveAsync_LiveNode_ForgetsTheKeyThere()
    {
        await using var owner = await TestNode.StartAsync();
        using var pool = new HttpPool("http://127.0.0.1:1");
        await owner.Group.GetAsync("a b+c");

        Assert.True(await pool.ClientFor(owner.Url).RemoveAsync(TestNode.GroupName, "a b+c", CancellationToken.None));
        await owner.Group.GetAsync("a b+c");

        Assert.Equal(2, owner.Getter.CallsFor("a b+c"));
    }

    [Fact]
    public async Task RemoveAsync_UnknownGroupOrClosedPort_ReturnsFalse()
    {
        await using var owner = await TestNode.StartAsync();
        using var pool = new HttpPool("http://127.0.0.1:1");

        Assert.False(await pool.ClientFor(owner.Url).RemoveAsync("nosuch", "k", CancellationToken.None));
        Assert.False(await pool.ClientFor("http://127.0.0.1:" + FreePort.Next()).RemoveAsync("data", "k", CancellationToken.None));
    }

    private static async Task BrokenAsync(HttpContext context, string answer)
    {
        var response = context.Response;

        // Unless a case is about the type, an answer has the right one, so that it fails for its own reason.
        response.ContentType = PeerProtocolHeaders.ProtobufContentType;
        switch (answer)
        {
            case "status503":
                response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                break;
            case "status404-go":
                // What a Go node answers for a group it does not have: a 404 without our header.
                response.StatusCode = StatusCodes.Status404NotFound;
                await response.WriteAsync("no such group: data\n");
                break;
            case "garbage":
                await response.Body.WriteAsync(new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff });
                break;
            case "truncated-body":
                response.ContentLength = 100;
                await response.Body.WriteAsync(new GetResponse { Value = ByteString.CopyFromUtf8("short") }.ToByteArray());
                await response.Body.FlushAsync();
                context.Abort();
                break;
            case "truncated-protobuf":
                // Claims a 50-byte value and carries three bytes of it.
                await response.Body.WriteAsync(new byte[] { 0x0a, 50, 1, 2, 3 });
                break;
            case "oversized-content-length":
                byte[] big = new GetResponse { Value = ByteString.CopyFrom(new byte[4096]) }.ToByteArray();
                response.ContentLength = big.Length;
                await response.Body.WriteAsync(big);
                break;
            case "oversized-chunked":
                await response.Body.FlushAsync(); // no Content-Length: chunked
                await response.Body.WriteAsync(new GetResponse { Value = ByteString.CopyFrom(new byte[4096]) }.ToByteArray());
                break;
            case "redirect":
                response.StatusCode = StatusCodes.Status301MovedPermanently;
                response.Headers.Location = "/elsewhere";
                break;
            case "empty-200-without-type":
                // An empty body decodes as a GetResponse with an empty value: only the type tells.
                response.ContentType = null;
                response.ContentLength = 0;
                break;
            case "empty-200-html":
                response.ContentType = "text/html";
                response.ContentLength = 0;
                break;
            case "html-200":
                // Something else at the peer's address, such as a proxy's page.
                response.ContentType = "text/html; charset=utf-8";
                await response.WriteAsync("<html><body>It works!</body></html>");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(answer), answer, null);
        }
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
