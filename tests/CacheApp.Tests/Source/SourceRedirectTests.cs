using CacheApp.Configuration;
using CacheApp.Freshness;
using CacheApp.Source;
using Microsoft.Extensions.Logging.Abstractions;
using TestRedirects;

namespace CacheApp.Tests.Source;

/// <summary>
/// The node's client for the source (<see cref="SourceHttp.For"/>, as the node builds it) against a
/// source that redirects: reads, writes and health checks fail naming the status, and nothing is
/// asked of, or loaded from, the host the redirect names.
/// </summary>
public sealed class SourceRedirectTests : IAsyncLifetime
{
    private RedirectingServer? _source;

    private RedirectingServer Source => _source ?? throw new InvalidOperationException("not started");

    private CacheAppSettings Settings => new()
    {
        NodeName = "test-node",
        SelfHost = "127.0.0.1",
        SelfApiAddr = "http://127.0.0.1:1",
        SelfGroupCacheAddr = "http://127.0.0.1:2",
        SourceUrl = Source.Url,
        SourceHealthInterval = TimeSpan.FromMinutes(1),
    };

    public async Task InitializeAsync() => _source = await RedirectingServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }
    }

    [Fact]
    public async Task Read_SourceRedirects_FailsNamingTheStatus_InsteadOfLoadingFromElsewhere()
    {
        using var http = SourceHttp.For(Settings);
        var getter = new SourceGetter(http.Client, Settings.SourceUrl, Settings.SourceTimeout, Settings.MaxValueBytes);

        var error = await Record.ExceptionAsync(async () => await getter.GetAsync("k", CancellationToken.None));

        Assert.Contains("302", Assert.IsType<SourceUnavailableException>(error).Message, StringComparison.Ordinal);
        Assert.Empty(Source.ElsewhereRequests);
    }

    [Fact]
    public async Task Write_SourceRedirects_FailsNamingTheStatus_InsteadOfWritingElsewhere()
    {
        using var http = SourceHttp.For(Settings);
        var writer = new SourceWriter(http, Settings);

        var error = await Record.ExceptionAsync(() => writer.PutAsync("k", """{"value":"v"}"""u8.ToArray(), "Bearer write-token"));

        Assert.Contains("HTTP 302", Assert.IsType<SourceUnavailableException>(error).Message, StringComparison.Ordinal);
        Assert.Empty(Source.ElsewhereRequests);
    }

    [Fact]
    public async Task HealthCheck_SourceRedirects_IsUnhealthyNamingTheStatus()
    {
        using var http = SourceHttp.For(Settings);
        using var health = new SourceHealth(http.Client, Settings, TimeProvider.System, NullLogger<SourceHealth>.Instance);

        await health.StartAsync(CancellationToken.None);
        bool checkedOnce = await TestHttp.EventuallyAsync(() => Task.FromResult(health.Last.CheckedAt is not null), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        await health.StopAsync(CancellationToken.None);

        Assert.True(checkedOnce, "no health check within 10 s");
        Assert.False(health.Last.Healthy);
        Assert.Equal("answered 302", health.Last.Error);
        Assert.Empty(Source.ElsewhereRequests);
    }
}
