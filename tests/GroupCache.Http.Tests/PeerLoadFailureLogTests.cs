using System.Net;
using GroupCache.Http.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GroupCache.Http.Tests;

/// <summary>
/// A peer that asks, again and again, for keys whose source is down must not flood this node's log:
/// the group already logs failed loads, rate-limited, and the endpoint adds no line of its own.
/// </summary>
public sealed class PeerLoadFailureLogTests
{
    [Fact]
    public async Task PeerGets_SourceDown_LoggedOnlyAsTheGroupRateLimitsIt()
    {
        var log = new RecordingLogger();
        var registry = new GroupRegistry();
        await using var host = await TestServerHost.StartAsync(app =>
        {
            // The endpoint's logger comes from the host's logger factory.
            app.Services.GetRequiredService<ILoggerFactory>().AddProvider(new OneLoggerProvider(log));
            app.UseGroupCachePeerProtocol(registry, new HttpPoolOptions());
        });
        var getter = new CountingGetter((_, _) => throw new InvalidOperationException("the source is down"));

        // A clock that stands still: every failure falls inside the group's first interval.
        registry.NewGroup(TestNode.GroupName, 1 << 20, getter, options: new GroupOptions { Logger = log, TimeProvider = new FrozenClock() });
        using var http = RawHttp.NewClient();

        const int requests = 20;
        for (int i = 0; i < requests; i++)
        {
            using var response = await http.SendAsync(RawHttp.Request(HttpMethod.Get, host.Url, "/_groupcache/data/down" + i));
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }

        Assert.Equal(requests, getter.Total);
        var warning = Assert.Single(log.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(1002, warning.EventId); // the group's rate-limited "loading failed"
    }

    private sealed class OneLoggerProvider(ILogger logger) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }

    private sealed class FrozenClock : TimeProvider
    {
        public override long GetTimestamp() => 0;
    }
}
