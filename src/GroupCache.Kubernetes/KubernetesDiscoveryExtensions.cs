using GroupCache.Http;
using GroupCache.Kubernetes;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

// In the namespace of AddGroupCache, beside AddPeerSource: no extra using for a caller.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Kubernetes discovery to <c>AddGroupCache</c>.</summary>
public static class KubernetesDiscoveryExtensions
{
    /// <summary>
    /// Takes the ring from the ready endpoints of a Service's EndpointSlices (list, then watch), with
    /// this node always on it; replaces any peer source added before. Registers the source's
    /// <see cref="IDiscoveryStatus"/> (mode <c>kubernetes</c>) too. The options are checked, and the
    /// namespace read, when the source is first resolved (at host start).
    /// </summary>
    /// <param name="builder">The builder <c>AddGroupCache</c> returned.</param>
    /// <param name="configure">Sets the Service, namespace, port name, this node's URL and the client configuration.</param>
    public static IGroupCacheBuilder AddKubernetesDiscovery(this IGroupCacheBuilder builder, Action<KubernetesDiscoveryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.TryAddSingleton(sp =>
        {
            var options = new KubernetesDiscoveryOptions();
            configure(options);
            return new KubernetesPeerSource(options, sp.GetRequiredService<ILogger<KubernetesPeerSource>>(), sp.GetService<TimeProvider>());
        });
        builder.Services.RemoveAll<IDiscoveryStatus>();
        builder.Services.AddSingleton<IDiscoveryStatus>(sp => sp.GetRequiredService<KubernetesPeerSource>());
        return builder.AddPeerSource<KubernetesPeerSource>();
    }
}
