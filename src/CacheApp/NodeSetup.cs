using System.Net;
using CacheApp.Api;
using CacheApp.Cluster;
using CacheApp.Configuration;
using CacheApp.Freshness;
using CacheApp.Source;
using GroupCache;
using GroupCache.Http;
using KestrelGuard;

namespace CacheApp;

/// <summary>Wires a cache node: listeners, services and the two pipelines (API port and groupcache port).</summary>
internal static class NodeSetup
{
    public static void ListenOn(this Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, CacheAppSettings settings)
    {
        // A client's unknown HTTP version gets 400 like any other malformed request line, not Kestrel's 505.
        kestrel.UseUnknownVersionGuard();
        foreach (int port in new[] { settings.ApiPort, settings.GroupCachePort })
        {
            switch (settings.BindHost)
            {
                case null:
                    kestrel.ListenAnyIP(port);
                    break;
                case "localhost":
                    kestrel.ListenLocalhost(port);
                    break;
                default:
                    kestrel.Listen(IPAddress.Parse(settings.BindHost), port);
                    break;
            }
        }
    }

    public static IServiceCollection AddCacheNode(this IServiceCollection services, CacheAppSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<NodeInfo>();
        services.AddFreshness();

        services.AddSingleton(_ => new HttpPool(settings.SelfGroupCacheAddr, new HttpPoolOptions
        {
            PeerTimeout = settings.PeerTimeout,
            ClusterSecret = settings.ClusterSecret,
            MaxValueBytes = settings.MaxValueBytes,
        }));

        // One client for the source: many connections, because every cold key is a request.
        services.AddSingleton(_ => new SourceHttp(new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 512,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectTimeout = settings.SourceTimeout,
            UseProxy = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        }));
        services.AddSingleton(sp => new SourceHealth(sp.GetRequiredService<SourceHttp>().Client, settings, TimeProvider.System, sp.GetRequiredService<ILogger<SourceHealth>>()));
        services.AddHostedService(sp => sp.GetRequiredService<SourceHealth>());

        services.AddSingleton<GroupRegistry>();
        services.AddSingleton(sp =>
        {
            var getter = new SourceGetter(sp.GetRequiredService<SourceHttp>().Client, settings.SourceUrl, settings.SourceTimeout);
            var options = new GroupOptions { Ttl = settings.CacheTtl, Logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Group).FullName!) };
            return sp.GetRequiredService<GroupRegistry>().NewGroup(settings.GroupName, settings.CacheBytes, getter, sp.GetRequiredService<HttpPool>(), options);
        });

        if (settings.DiscoveryEnabled)
        {
            var suspectAfter = settings.GossipInterval * 2 < settings.MemberDeadAfter ? settings.GossipInterval * 2 : settings.MemberDeadAfter;
            services.AddSingleton(sp => new MemberTable(
                settings.SelfApiAddr,
                settings.SelfGroupCacheAddr,
                sp.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds(),
                sp.GetRequiredService<TimeProvider>(),
                suspectAfter,
                settings.MemberDeadAfter,
                settings.MemberForgetAfter,
                CacheAppSettings.MaxMembers));
            services.AddSingleton<IPeerRing>(sp => new HttpPoolRing(sp.GetRequiredService<HttpPool>()));
            services.AddSingleton(_ => new ClusterClient(settings.ClusterSecret));
            services.AddSingleton<MembershipService>();
            services.AddHostedService(sp => sp.GetRequiredService<MembershipService>());
        }

        return services;
    }

    public static WebApplication UseCacheNode(this WebApplication app, CacheAppSettings settings)
    {
        var registry = app.Services.GetRequiredService<GroupRegistry>();
        var pool = app.Services.GetRequiredService<HttpPool>();
        var group = app.Services.GetRequiredService<Group>();
        _ = app.Services.GetRequiredService<NodeInfo>(); // its start time is now, not the first status request
        if (!settings.DiscoveryEnabled)
        {
            pool.SetPeers(settings.StaticPeers!);
        }

        // The groupcache port serves the peer protocol and nothing else; the API port never serves it.
        app.UseWhen(
            ctx => ctx.Connection.LocalPort == settings.GroupCachePort,
            branch =>
            {
                branch.UseInvalidationCounter(app.Services.GetRequiredService<InvalidationStats>());
                branch.UseGroupCachePeerProtocol(registry, pool.Options);
                branch.Run(ctx => JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status404NotFound, "not a groupcache path"));
            });
        var apiLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CacheApp.Api");
        app.UseDataReads(group, apiLogger);
        app.UseRouting();
        app.MapCacheApi(group, apiLogger);
        app.MapAdminApi();
        app.MapClusterApi(settings);
        return app;
    }
}

/// <summary>The HttpClient that talks to the source service.</summary>
internal sealed class SourceHttp(HttpClient client) : IDisposable
{
    public HttpClient Client { get; } = client;

    public void Dispose() => Client.Dispose();
}
