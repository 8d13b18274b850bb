using System.Net;
using CacheApp.Configuration;
using CacheApp.Freshness;
using CacheApp.Source;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CacheApp.Tests.Source;

/// <summary>
/// The node's write-through client against a source (Kestrel on 127.0.0.1) whose answer to the PUT
/// is longer than any record the node could keep: refused after at most the limit, not buffered.
/// </summary>
public sealed class SourceWriterLimitsTests
{
    private const long MaxValueBytes = 1000; // a record may then have 6 * 1000 + 64 KiB bytes

    private static async Task<(WebApplication App, string Url)> StartSourceAsync(RequestDelegate answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(answer);
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    private static CacheAppSettings Settings(string sourceUrl) => new()
    {
        NodeName = "test-node",
        SelfHost = "127.0.0.1",
        SelfApiAddr = "http://127.0.0.1:1",
        SelfGroupCacheAddr = "http://127.0.0.1:2",
        SourceUrl = sourceUrl,
        SourceTimeout = TimeSpan.FromSeconds(5),
        MaxValueBytes = MaxValueBytes,
    };

    [Fact]
    public async Task Put_SourceAnnouncesAnAnswerLongerThanARecord_IsRefusedAtOnceUnread()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (app, url) = await StartSourceAsync(async context =>
        {
            context.Response.ContentLength = 100_000_000;
            await context.Response.Body.WriteAsync("{"u8.ToArray());
            await context.Response.Body.FlushAsync();
            await release.Task.WaitAsync(context.RequestAborted); // then nothing more
        });
        try
        {
            using var http = SourceHttp.For(Settings(url));
            var writer = new SourceWriter(http, Settings(url));

            var error = await Record.ExceptionAsync(() => writer.PutAsync("k", """{"value":"v"}"""u8.ToArray(), null));

            Assert.Contains("MAX_VALUE_BYTES=1000", Assert.IsType<SourceUnavailableException>(error).Message, StringComparison.Ordinal);
        }
        finally
        {
            release.TrySetResult();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Put_SourceSendsAnUnannouncedAnswerLongerThanARecord_IsRefused()
    {
        long limit = (6 * MaxValueBytes) + (64 * 1024);
        var (app, url) = await StartSourceAsync(async context =>
        {
            var chunk = new byte[4096];
            chunk.AsSpan().Fill((byte)'x');
            for (long sent = 0; sent <= limit + chunk.Length && !context.RequestAborted.IsCancellationRequested; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });
        try
        {
            using var http = SourceHttp.For(Settings(url));
            var writer = new SourceWriter(http, Settings(url));

            var error = await Record.ExceptionAsync(() => writer.PutAsync("k", """{"value":"v"}"""u8.ToArray(), null));

            Assert.Contains("MAX_VALUE_BYTES=1000", Assert.IsType<SourceUnavailableException>(error).Message, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Put_SourceAnswersARecord_IsPassedOnWhole()
    {
        byte[] record = """{"key":"k","value":"v","version":1}"""u8.ToArray();
        var (app, url) = await StartSourceAsync(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(record);
        });
        try
        {
            using var http = SourceHttp.For(Settings(url));
            var writer = new SourceWriter(http, Settings(url));

            var result = await writer.PutAsync("k", """{"value":"v"}"""u8.ToArray(), null);

            Assert.Equal(201, result.Status);
            Assert.Equal(record, result.Body);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
