using System.Net;
using CacheApp.Api;
using CacheApp.Cluster;
using CacheApp.Configuration;
using CacheApp.Dashboard;
using CacheApp.Discovery;
using CacheApp.Freshness;
using CacheApp.Source;
using GroupCache;
using GroupCache.Http;
#if KUBERNETES_DISCOVERY
using GroupCache.Kubernetes;
#endif
using Microsoft.AspNetCore.Server.Kestrel.Core;
using ServiceCommon;

namespace CacheApp;

/// <summary>Wires a cache node: listeners, services and the two pipelines (API port and groupcache port).</summary>
internal static class NodeSetup
{
    public static void ListenOn(this Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions kestrel, CacheAppSettings settings)
    {
        // HTTP/1.1 only, like golang/groupcache's peers; see docs/RELIABILITY.md on HTTP/2.
        kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1);
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
        services.AddSingleton<CacheApp.Telemetry.GcPauseWatch>();
        services.AddFreshness();
        services.AddSingleton(new ClusterSecretCheck(settings.ClusterSecret));
        services.AddDashboard(settings);

        services.AddSingleton(_ => SourceHttp.For(settings));
        services.AddSingleton(sp => new SourceHealth(sp.GetRequiredService<SourceHttp>().Client, settings, TimeProvider.System, sp.GetRequiredService<ILogger<SourceHealth>>()));
        services.AddHostedService(sp => sp.GetRequiredService<SourceHealth>());

        // The library's front door: the pool, the group and their lifetime; the peer protocol on
        // GROUPCACHE_PORT only. The ring is GROUPCACHE_PEERS, or a peer source: gossip's members,
        // DNS records or Kubernetes endpoints (DISCOVERY).
        var groupCache = services.AddGroupCache(o =>
        {
            o.Self = settings.SelfGroupCacheAddr;
            o.PeerPort = settings.GroupCachePort;
            o.PeerTimeout = settings.PeerTimeout;
            o.ClusterSecret = settings.ClusterSecret;
            o.MaxValueBytes = settings.MaxValueBytes;
            o.LocalAddress = settings.OutgoingBindAddress?.ToString();
            o.Groups[settings.GroupName] = new GroupCacheGroupOptions { Ttl = settings.CacheTtl };
            if (settings.Discovery == DiscoveryMode.Static)
            {
                foreach (string peer in settings.StaticPeers!)
                {
                    o.Peers.Add(peer);
                }
            }
        });
        groupCache.AddGroup(
            settings.GroupName,
            settings.CacheBytes,
            sp => new SourceGetter(sp.GetRequiredService<SourceHttp>().Client, settings.SourceUrl, settings.SourceTimeout, settings.MaxValueBytes));

        // The node's one group, for the endpoints that take it unkeyed.
        services.AddSingleton(sp => sp.GetRequiredKeyedService<Group>(settings.GroupName));

        switch (settings.Discovery)
        {
            case DiscoveryMode.Static:
                services.AddSingleton<IDiscoveryStatus>(sp => new StaticDiscoveryStatus(settings.StaticPeers!, sp.GetRequiredService<TimeProvider>().GetUtcNow()));
                break;
            case DiscoveryMode.Gossip:
                break; // below, as before DISCOVERY existed
            case DiscoveryMode.Dns:
                groupCache.AddDnsDiscovery(o =>
                {
                    o.Name = settings.DnsName;
                    o.Interval = settings.DnsInterval;
                    o.Server = settings.DnsServer;
                    o.Port = settings.GroupCachePort;
                });
                break;
            case DiscoveryMode.Kubernetes:
                AddKubernetesDiscovery(groupCache, settings);
                break;
        }

        if (settings.DiscoveryEnabled)
        {
            services.AddSingleton(sp => new MemberTable(
                settings.SelfApiAddr,
                settings.SelfGroupCacheAddr,
                sp.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds(),
                sp.GetRequiredService<TimeProvider>(),
                settings.GossipInterval,
                settings.MemberDeadAfter,
                settings.MemberForgetAfter,
                CacheAppSettings.MaxClusterMembers));
            services.AddSingleton<GossipPeerSource>();
            services.AddSingleton<IPeerRing>(sp => sp.GetRequiredService<GossipPeerSource>());
            groupCache.AddPeerSource<GossipPeerSource>();
            services.AddSingleton(_ => new ClusterClient(settings.ClusterSecret, localAddress: settings.OutgoingBindAddress));
            services.AddSingleton<MembershipService>();
            services.AddHostedService(sp => sp.GetRequiredService<MembershipService>());
            services.AddSingleton<IDiscoveryStatus>(sp => sp.GetRequiredService<GossipPeerSource>());
        }

        services.AddSingleton<FirstDiscoveryAnswer>();
        return services;
    }

#if KUBERNETES_DISCOVERY
    /// <summary>
    /// DISCOVERY=kubernetes: the ring from the ready endpoints of K8S_SERVICE's EndpointSlices, the
    /// port by K8S_PORT_NAME (default <c>groupcache</c>), or, in a slice without a port of that name,
    /// by GROUPCACHE_PORT (every pod listens there; a warning says so); this node is on its own ring
    /// from the start.
    /// </summary>
    private static void AddKubernetesDiscovery(IGroupCacheBuilder groupCache, CacheAppSettings settings) =>
        groupCache.AddKubernetesDiscovery(o =>
        {
            o.ServiceName = settings.KubernetesService!;
            o.Namespace = settings.KubernetesNamespace;
            o.PortName = settings.KubernetesPortName ?? KubernetesDiscoveryOptions.DefaultPortName;
            o.PortNumber = settings.GroupCachePort;
            o.Self = settings.SelfGroupCacheAddr;
        });
#else
    /// <summary>
    /// The Native AOT build has no kubernetes discovery: the official client is not AOT-safe. The
    /// node stops at start (exit code 2) rather than run without the ring it was asked for.
    /// </summary>
    private static void AddKubernetesDiscovery(IGroupCacheBuilder groupCache, CacheAppSettings settings)
    {
        _ = groupCache;
        _ = settings;
        throw new SettingsException(
            "DISCOVERY=kubernetes is not in the Native AOT build (the Kubernetes client is not AOT-safe): "
            + "run the JIT build, or DISCOVERY=dns with DNS_NAME set to the headless Service's name.");
    }
#endif

    public static WebApplication UseCacheNode(this WebApplication app, CacheAppSettings settings)
    {
        // First, on both ports: a request to a loopback-only node under another name is DNS rebinding.
        if (LoopbackHostCheck.IsLoopbackOnly(settings.BindHost))
        {
            app.UseLoopbackHostCheck(settings.SelfHost, ctx => JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, LoopbackHostCheck.Refusal));
        }

        var group = app.Services.GetRequiredService<Group>();
        _ = app.Services.GetRequiredService<NodeInfo>(); // its start time is now, not the first status request
        _ = app.Services.GetRequiredService<CacheApp.Telemetry.GcPauseWatch>(); // watching from the start

        // DNS or Kubernetes discovery listing this node again after leaving it out: the other nodes'
        // invalidations missed it meanwhile, so it empties its caches (as gossip does on a rejoin).
        app.Services.UseFlushOnRelisting(settings.SelfGroupCacheAddr);
        if (settings.Discovery is DiscoveryMode.Dns or DiscoveryMode.Kubernetes)
        {
            // A member listed again may not have flushed yet (above); with gossip a member that
            // comes back with its old life makes every node that had dropped it flush and hold.
            app.Services.UseHotCopyHoldOnRingGains();
        }

        // The groupcache port serves the peer protocol and nothing else; the API port never serves
        // it. The counter wraps the peer protocol, to count the removals peers asked for.
        app.UseWhen(
            ctx => ctx.Connection.LocalPort == settings.GroupCachePort,
            branch => branch.UseInvalidationCounter(app.Services.GetRequiredService<InvalidationStats>()));
        app.MapGroupCache();
        var apiLogger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CacheApp.Api");
        ClusterExposure.WarnIfOpen(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CacheApp.Security"), settings);
        app.UseDataReads(group, apiLogger);
        app.UseRouting();
        app.MapCacheApi();
        app.MapAdminApi();
        app.MapClusterApi();
        app.MapDashboard();
        return app;
    }
}
