using GroupCache.Http;

namespace CacheApp.Freshness;

/// <summary>Registers the write-through and invalidation services, and counts peer removals received.</summary>
internal static class FreshnessSetup
{
    public static IServiceCollection AddFreshness(this IServiceCollection services)
    {
        services.AddSingleton<InvalidationStats>();
        services.AddSingleton<ClusterInvalidator>();
        services.AddSingleton<SourceWriter>();
        services.AddSingleton<HotCopyHold>();
        services.AddSingleton<RejoinFlush>();
        services.AddSingleton<Cluster.IRejoinListener>(sp => sp.GetRequiredService<RejoinFlush>());
        return services;
    }

    /// <summary>
    /// DISCOVERY=dns or kubernetes: empties the caches (<see cref="RejoinFlush.OnSelfRelisted"/>)
    /// whenever discovery lists this node again after leaving it out. Called before the host starts,
    /// so before the source gives its first answer; nothing with gossip or a static ring.
    /// </summary>
    public static void UseFlushOnRelisting(this IServiceProvider services, string self)
    {
        if (services.GetService<IPeerSource>() is ISelfRelistingSource source)
        {
            var flush = services.GetRequiredService<RejoinFlush>();
            source.SelfRelisted += (_, _) => flush.OnSelfRelisted(self);
        }
    }

    /// <summary>
    /// DISCOVERY=dns or kubernetes: holds hot copies (<see cref="HotCopyHold"/>) whenever the pool is
    /// about to take a ring that adds members, before anything is routed to them: such a member may
    /// have been listed again and not have flushed yet. Called before the host starts.
    /// </summary>
    public static void UseHotCopyHoldOnRingGains(this IServiceProvider services)
    {
        var hold = services.GetRequiredService<HotCopyHold>();
        services.GetRequiredService<HttpPool>().PeersAdding += (_, _) => hold.Hold();
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
