using GroupCache;
using GroupCache.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Serves groupcache's peer protocol for the groups <c>AddGroupCache</c> registered.</summary>
public static class GroupCacheApplicationBuilderExtensions
{
    /// <summary>
    /// Serves <c>GET</c>/<c>DELETE {BasePath}{group}/{key}</c> to peers, here in the pipeline (put it
    /// before middleware that would answer those paths). With <see cref="GroupCacheOptions.PeerPort"/>
    /// set, only connections to that port reach the peer protocol, and they reach nothing else: other
    /// requests to it get 404, while requests to the app's other ports go on down the pipeline.
    /// </summary>
    public static IApplicationBuilder MapGroupCache(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var registry = app.ApplicationServices.GetRequiredService<GroupRegistry>();
        var pool = app.ApplicationServices.GetRequiredService<HttpPool>();
        int? peerPort = app.ApplicationServices.GetRequiredService<IOptions<GroupCacheOptions>>().Value.PeerPort;
        if (peerPort is not int port)
        {
            return app.UseGroupCachePeerProtocol(registry, pool.Options);
        }

        return app.UseWhen(
            context => context.Connection.LocalPort == port,
            branch =>
            {
                branch.UseGroupCachePeerProtocol(registry, pool.Options);
                branch.Run(context => PeerProtocolMiddleware.ErrorAsync(context, StatusCodes.Status404NotFound, "not a groupcache path"));
            });
    }
}
