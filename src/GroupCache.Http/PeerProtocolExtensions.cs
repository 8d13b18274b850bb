using Microsoft.AspNetCore.Builder;

namespace GroupCache.Http;

/// <summary>Mounts groupcache's peer protocol in an ASP.NET Core pipeline.</summary>
public static class PeerProtocolExtensions
{
    /// <summary>
    /// Serves <c>GET</c> (and <c>DELETE</c>) <c>{basePath}{group}/{key}</c> for the groups of
    /// <paramref name="registry"/>; requests outside the base path pass to the next middleware.
    /// The endpoint takes a copy of <paramref name="options"/> here: later changes to it have no effect.
    /// </summary>
    public static IApplicationBuilder UseGroupCachePeerProtocol(this IApplicationBuilder app, GroupRegistry registry, HttpPoolOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Copy(); // the pipeline builds the middleware later, maybe after a change
        settings.Validate();
        return app.Use(next => new PeerProtocolMiddleware(next, registry, settings).InvokeAsync);
    }
}
