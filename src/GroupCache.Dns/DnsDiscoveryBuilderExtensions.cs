using GroupCache.Dns;
using GroupCache.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// Beside AddGroupCache and AddPeerSource, so that the README's snippet needs no extra using.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds DNS discovery to <c>AddGroupCache</c>.</summary>
public static class DnsDiscoveryBuilderExtensions
{
    /// <summary>
    /// Takes the ring from DNS (<see cref="DnsPeerSource"/>): the A, AAAA or SRV records of
    /// <see cref="DnsDiscoveryOptions.Name"/>, polled. It replaces any peer source added before, and
    /// is the container's <see cref="IDiscoveryStatus"/>. The options are checked when the host starts.
    /// </summary>
    /// <param name="builder">The builder <c>AddGroupCache</c> returned.</param>
    /// <param name="configure">Sets the name to resolve and, optionally, the interval, port and server.</param>
    public static IGroupCacheBuilder AddDnsDiscovery(this IGroupCacheBuilder builder, Action<DnsDiscoveryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptions<DnsDiscoveryOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DnsDiscoveryOptions>, DnsDiscoveryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new DnsPeerSource(
            sp.GetRequiredService<IOptions<DnsDiscoveryOptions>>().Value,
            sp.GetRequiredService<IOptions<GroupCacheOptions>>().Value.Self!,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DnsPeerSource>>()));
        services.RemoveAll<IDiscoveryStatus>();
        services.AddSingleton<IDiscoveryStatus>(sp => sp.GetRequiredService<DnsPeerSource>());
        return builder.AddPeerSource<DnsPeerSource>();
    }
}
