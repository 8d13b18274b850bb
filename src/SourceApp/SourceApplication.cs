using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ServiceCommon;
using SourceApp.Api;
using SourceApp.Notify;
using SourceApp.Options;
using SourceApp.Storage;
using SourceApp.Telemetry;

namespace SourceApp;

/// <summary>Wires the service: Kestrel on the <c>-http</c> address, the store, the notifier and the endpoints.</summary>
public static class SourceApplication
{
    public static WebApplication Build(SourceOptions options, IReadOnlyList<string> hostArgs)
    {
        // Content root: the executable's folder, not the working directory, whose whole tree the
        // host's appsettings watch would walk at start (as CacheApp's Program.cs explains).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [.. hostArgs], ContentRootPath = AppContext.BaseDirectory });

        // The framework's own per-request Information lines would cost more than the requests; our
        // middleware writes one line per request at Debug instead.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes;

            // HTTP/1.1 only: clients are scripts, curl and cache nodes; see docs/RELIABILITY.md on HTTP/2.
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1);
            var listen = options.Listen;
            if (listen.IsAnyHost)
            {
                kestrel.ListenAnyIP(listen.Port);
            }
            else if (listen.IsLocalhost && listen.Port != 0)
            {
                kestrel.ListenLocalhost(listen.Port);
            }
            else
            {
                kestrel.Listen(listen.Ip ?? System.Net.IPAddress.Loopback, listen.Port);
            }
        });

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new WriteToken(options.WriteToken));
        builder.Services.AddSingleton<IRecordStore>(services =>
        {
            var logger = services.GetRequiredService<ILogger<RecordStore>>();
            var store = RecordStore.Open(options.DatabasePath, logger);
            if (store.Seeded)
            {
                Log.Seeded(logger, store.Path, SampleRecords.All.Count);
            }

            return store;
        });

        if (options.NotifyUrls.Count > 0 && options.NotifyAsync)
        {
            builder.Services.AddSingleton(services => new CacheInvalidationNotifier(
                options.NotifyUrls, services.GetRequiredService<ILogger<CacheInvalidationNotifier>>(), options.NotifySecret, services.GetRequiredService<SourceMetrics>()));
            builder.Services.AddSingleton<IWriteNotifier>(services => services.GetRequiredService<CacheInvalidationNotifier>());
            builder.Services.AddHostedService(services => services.GetRequiredService<CacheInvalidationNotifier>());
        }
        else if (options.NotifyUrls.Count > 0)
        {
            // A request may take as long as the answer waits for it: a node that confirms within
            // -notify-timeout must count as confirmed, however long that timeout is.
            var requestTimeout = options.NotifyTimeout > InvalidationSender.DefaultRequestTimeout ? options.NotifyTimeout : InvalidationSender.DefaultRequestTimeout;
            builder.Services.AddSingleton(services => new InvalidationSender(
                services.GetRequiredService<ILogger<InvalidationSender>>(), requestTimeout, options.NotifySecret, services.GetRequiredService<SourceMetrics>()));
            builder.Services.AddSingleton(services => new InvalidationRetryQueue(
                options.NotifyUrls, services.GetRequiredService<InvalidationSender>(), services.GetRequiredService<ILogger<InvalidationRetryQueue>>(),
                InvalidationRetryQueue.DefaultCapacityPerNode, InvalidationRetryQueue.DefaultFirstBackoff, InvalidationRetryQueue.DefaultMaxBackoff));
            builder.Services.AddHostedService(services => services.GetRequiredService<InvalidationRetryQueue>());
            builder.Services.AddSingleton<IWriteNotifier>(services => new ConfirmedInvalidationNotifier(
                options.NotifyUrls, options.NotifyTimeout, services.GetRequiredService<InvalidationSender>(),
                services.GetRequiredService<InvalidationRetryQueue>(), services.GetRequiredService<ILogger<ConfirmedInvalidationNotifier>>()));
        }
        else
        {
            builder.Services.AddSingleton<IWriteNotifier, NoWriteNotifier>();
        }

        builder.Services.AddSourceTelemetry();

        var app = builder.Build();
        if (options.Listen.IsLoopbackOnly)
        {
            // First: a write under another host name is a web page using DNS rebinding.
            app.UseLoopbackHostCheck(selfHost: null, ctx => ApiResults.WriteErrorAsync(ctx, StatusCodes.Status400BadRequest, LoopbackHostCheck.Refusal));
        }

        app.UseMiddleware<JsonErrorsMiddleware>();
        app.MapDataApi();
        app.MapKeysApi();
        app.MapHealthApi();
        app.MapHealthAndMetrics();
        return app;
    }

    /// <summary>
    /// True when the service listens beyond loopback and takes writes without a token: as in the seed,
    /// but anyone who reaches it can then change its data, which the start-up log says loudly.
    /// </summary>
    public static bool WritesOpenToNetwork(SourceOptions options) => options.WriteToken is null && !options.Listen.IsLoopbackOnly;

    /// <summary>
    /// Opens the database (so a bad path or a newer schema stops the start, not the first request), starts
    /// the server and logs the start-up line, then runs until shut down.
    /// </summary>
    public static async Task<int> RunAsync(WebApplication app, SourceOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SourceApp");
        try
        {
            var store = app.Services.GetRequiredService<IRecordStore>();
            await app.StartAsync();
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            var shown = addresses is { Count: > 0 } ? string.Join(", ", addresses) : options.Listen.ToString();
            Log.Started(logger, options.Name, shown, (store as RecordStore)?.Path ?? options.DatabasePath);
            if (WritesOpenToNetwork(options))
            {
                Log.WritesOpen(logger, shown);
            }
        }
        catch (Exception ex)
        {
            Log.StartFailed(logger, ex.Message, ex);
            await app.DisposeAsync();
            return 1;
        }

        await app.WaitForShutdownAsync();
        await app.DisposeAsync();
        return 0;
    }
}
