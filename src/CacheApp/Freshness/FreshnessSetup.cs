namespace CacheApp.Freshness;

/// <summary>Registers the write-through and invalidation services, and counts peer removals received.</summary>
internal static class FreshnessSetup
{
    public static IServiceCollection AddFreshness(this IServiceCollection services)
    {
        services.AddSingleton<InvalidationStats>();
        services.AddSingleton<ClusterInvalidator>();
        services.AddSingleton<SourceWriter>();
        services.AddSingleton<Cluster.IRejoinListener, RejoinFlush>();
        return services;
    }

    /// <summary>
    /// Goes in front of the peer protocol: counts the peer-protocol DELETEs it applied (200), the
    /// "invalidations received" of the status.
    /// </summary>
    public static IApplicationBuilder UseInvalidationCounter(this IApplicationBuilder app, InvalidationStats stats) =>
        app.Use(async (ctx, next) =>
        {
            await next(ctx);
            if (HttpMethods.IsDelete(ctx.Request.Method) && ctx.Response.StatusCode == StatusCodes.Status200OK)
            {
                stats.OnReceived();
            }
        });
}
