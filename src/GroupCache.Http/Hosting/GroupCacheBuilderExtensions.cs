using System.Diagnostics.CodeAnalysis;
using GroupCache;
using GroupCache.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

// In the namespace of AddGroupCache, as IHttpClientBuilder's extensions are: the snippet in the
// README needs no using for them.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds groups and a peer source to <c>AddGroupCache</c>.</summary>
public static class GroupCacheBuilderExtensions
{
    /// <summary>Adds a group whose getter is a delegate.</summary>
    /// <param name="builder">The builder <c>AddGroupCache</c> returned.</param>
    /// <param name="name">The group's name, as peers and <c>[FromKeyedServices(name)] Group</c> address it.</param>
    /// <param name="cacheBytes">Its cache budget (configuration's <c>GroupCache:Groups:{name}:CacheBytes</c> overrides it).</param>
    /// <param name="getter">Loads a key no cache holds; throws <see cref="NotFoundException"/> for an absent one.</param>
    public static IGroupCacheBuilder AddGroup(this IGroupCacheBuilder builder, string name, long cacheBytes, Func<string, CancellationToken, ValueTask<ByteView>> getter)
    {
        ArgumentNullException.ThrowIfNull(getter);
        var instance = new GetterFunc(getter);
        return Add(builder, name, cacheBytes, _ => instance);
    }

    /// <summary>Adds a group whose getter is one instance for the group's life.</summary>
    /// <inheritdoc cref="AddGroup(IGroupCacheBuilder, string, long, Func{string, CancellationToken, ValueTask{ByteView}})" path="/param"/>
    public static IGroupCacheBuilder AddGroup(this IGroupCacheBuilder builder, string name, long cacheBytes, IGetter getter)
    {
        ArgumentNullException.ThrowIfNull(getter);
        return Add(builder, name, cacheBytes, _ => getter);
    }

    /// <summary>Adds a group whose getter <paramref name="getterFactory"/> makes once, from the container, when the groups are created.</summary>
    /// <param name="builder">The builder <c>AddGroupCache</c> returned.</param>
    /// <param name="name">The group's name, as peers and <c>[FromKeyedServices(name)] Group</c> address it.</param>
    /// <param name="cacheBytes">Its cache budget (configuration's <c>GroupCache:Groups:{name}:CacheBytes</c> overrides it).</param>
    /// <param name="getterFactory">Makes the group's getter from the application's services.</param>
    public static IGroupCacheBuilder AddGroup(this IGroupCacheBuilder builder, string name, long cacheBytes, Func<IServiceProvider, IGetter> getterFactory)
    {
        ArgumentNullException.ThrowIfNull(getterFactory);
        return Add(builder, name, cacheBytes, getterFactory);
    }

    /// <summary>
    /// Adds a group whose getter is resolved from DI for each load, in a new scope that is disposed
    /// when the load ends, so that it may take scoped services. <typeparamref name="TGetter"/> is
    /// registered as scoped unless it already is registered.
    /// </summary>
    /// <param name="builder">The builder <c>AddGroupCache</c> returned.</param>
    /// <param name="name">The group's name, as peers and <c>[FromKeyedServices(name)] Group</c> address it.</param>
    /// <param name="cacheBytes">Its cache budget (configuration's <c>GroupCache:Groups:{name}:CacheBytes</c> overrides it).</param>
    public static IGroupCacheBuilder AddGroup<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TGetter>(this IGroupCacheBuilder builder, string name, long cacheBytes)
        where TGetter : class, IGetter
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddScoped<TGetter>();
        return Add(builder, name, cacheBytes, sp => new ScopedGetter<TGetter>(sp.GetRequiredService<IServiceScopeFactory>()));
    }

    /// <summary>
    /// Takes the ring from <typeparamref name="TSource"/> (a singleton resolved from DI) instead of
    /// only <see cref="GroupCacheOptions.Peers"/>; it replaces any peer source added before.
    /// </summary>
    public static IGroupCacheBuilder AddPeerSource<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSource>(this IGroupCacheBuilder builder)
        where TSource : class, IPeerSource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<TSource>();
        builder.Services.RemoveAll<IPeerSource>();
        builder.Services.AddSingleton<IPeerSource>(sp => sp.GetRequiredService<TSource>());
        return builder;
    }

    private static IGroupCacheBuilder Add(IGroupCacheBuilder builder, string name, long cacheBytes, Func<IServiceProvider, IGetter> getter)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfNegative(cacheBytes);
        if (builder is not GroupCacheBuilder ours)
        {
            throw new ArgumentException("Use the builder that AddGroupCache returned.", nameof(builder));
        }

        ours.Registrations.Add(new GroupRegistrations.Registration(name, cacheBytes, getter));
        builder.Services.AddKeyedSingleton(name, static (sp, key) =>
            sp.GetRequiredService<GroupRegistry>().TryGet((string)key!, out var group)
                ? group
                : throw new InvalidOperationException($"Group '{key}' is not registered."));
        return builder;
    }
}
