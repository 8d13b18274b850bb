using CacheApp.Configuration;
using GroupCache.Diagnostics;
using ServiceCommon;

namespace CacheApp.Telemetry;

/// <summary>Metrics, traces and health for a cache node: <c>/metrics</c>, <c>/health/live</c> and <c>/health/ready</c> on the API port.</summary>
internal static class CacheNodeTelemetry
{
    public static IServiceCollection AddCacheNodeTelemetry(this IServiceCollection services, CacheAppSettings settings)
    {
        services.AddSingleton<CacheNodeMetrics>();
        // The CacheApp meter's tags are a member state or the discovery mode; the GroupCache meter's
        // name groups, which a library user may have many of.
        services.AddServiceTelemetry(
            "cacheapp", [GroupCacheMetrics.MeterName, CacheNodeMetrics.MeterName], fewSeriesMeters: [CacheNodeMetrics.MeterName], [GroupCacheTracing.SourceName], Environment.GetEnvironmentVariable);
        var ready = services.AddLiveAndReadyChecks()
            .AddCheck<RingReadiness>("ring", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<SourceReadiness>("source", tags: [HealthEndpoints.ReadyTag]);
        if (settings.Discovery is DiscoveryMode.Dns or DiscoveryMode.Kubernetes)
        {
            // Gossip and a static ring know their members from the start: nothing to wait for.
            ready.AddCheck<DiscoveryReadiness>("discovery", tags: [HealthEndpoints.ReadyTag]);
        }

        return services;
    }

    public static WebApplication MapHealthAndMetrics(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<CacheNodeMetrics>(); // its instruments exist from the start
        app.MapMetrics();
        app.MapLiveAndReady();
        return app;
    }
}
