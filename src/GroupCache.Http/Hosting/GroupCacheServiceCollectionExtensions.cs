using System.Diagnostics.Metrics;
using GroupCache;
using GroupCache.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers GroupCache in a host: <c>builder.Services.AddGroupCache().AddGroup(...)</c>.</summary>
public static class GroupCacheServiceCollectionExtensions
{
    /// <summary>
    /// Registers the node's peer pool (<see cref="HttpPool"/>), its groups (<see cref="GroupRegistry"/>,
    /// and each group as a keyed <see cref="Group"/>) and their lifetime, with
    /// <see cref="GroupCacheOptions"/> bound from the "GroupCache" configuration section and
    /// validated at start. Serve peers with <c>app.MapGroupCache()</c>. The groups report their
    /// metrics through the host's <see cref="IMeterFactory"/> when it has one.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Changes the options after configuration is bound; null for none.</param>
    /// <returns>A builder to add groups with; calling this again returns a builder over the same groups.</returns>
    public static IGroupCacheBuilder AddGroupCache(this IServiceCollection services, Action<GroupCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<GroupCacheOptions>();
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(GroupRegistrations) && !d.IsKeyedService)?.ImplementationInstance;
        if (existing is GroupRegistrations registered)
        {
            if (configure is not null)
            {
                optionsBuilder.Configure(configure);
            }

            return new GroupCacheBuilder(services, registered);
        }

        // Configuration first, then the code's changes over it. A value that does not convert is
        // reported by the validator with the other problems (see ConfigurationBindFailures).
        var bindFailures = new ConfigurationBindFailures();
        services.AddSingleton(bindFailures);
        optionsBuilder.Configure<IServiceProvider>((options, sp) =>
        {
            if (sp.GetService<IConfiguration>() is not { } configuration)
            {
                return;
            }

            try
            {
                configuration.GetSection(GroupCacheOptions.SectionName).Bind(options);
            }
            catch (InvalidOperationException ex)
            {
                bindFailures.Add(ex.Message);
            }
        }).ValidateOnStart();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        var registrations = new GroupRegistrations();
        services.AddSingleton(registrations);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GroupCacheOptions>, GroupCacheOptionsValidator>());
        services.TryAddSingleton(sp => NewPool(sp));
        services.TryAddSingleton(sp => NewRegistry(sp, registrations));
        services.AddHostedService<GroupCacheHostedService>();
        return new GroupCacheBuilder(services, registrations);
    }

    private static HttpPool NewPool(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<GroupCacheOptions>>().Value;
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(typeof(HttpPool).FullName!);
        var pool = new HttpPool(options.Self!, options.ToPoolOptions(), handler: null, logger);
        if (options.Peers.Count > 0)
        {
            pool.SetPeers(options.Peers);
        }

        return pool;
    }

    private static GroupRegistry NewRegistry(IServiceProvider services, GroupRegistrations registrations)
    {
        var options = services.GetRequiredService<IOptions<GroupCacheOptions>>().Value;
        var pool = services.GetRequiredService<HttpPool>();
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger(typeof(Group).FullName!);
        var time = services.GetService<TimeProvider>() ?? TimeProvider.System;

        // The host's meter factory (host builders register one): its GroupCache meter is this
        // host's alone, where the process-wide one would add up every host in the process.
        var registry = new GroupRegistry(services.GetService<IMeterFactory>());
        foreach (var registration in registrations.All)
        {
            options.Groups.TryGetValue(registration.Name, out var configured);
            var groupOptions = new GroupOptions { Ttl = configured?.Ttl ?? TimeSpan.Zero, TimeProvider = time };
            if (logger is not null)
            {
                groupOptions.Logger = logger;
            }

            registry.NewGroup(registration.Name, configured?.CacheBytes ?? registration.CacheBytes, registration.Getter(services), pool, groupOptions);
        }

        return registry;
    }
}
