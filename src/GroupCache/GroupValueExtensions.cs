using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace GroupCache;

/// <summary>
/// Typed reads over <see cref="Group.GetAsync"/> and <see cref="Group.TryGetAsync"/>: values as UTF-8
/// text or as JSON (System.Text.Json). The Try forms return null (default) for an absent key.
/// </summary>
public static class GroupValueExtensions
{
    private const string ReflectionJson = "JSON without a JsonTypeInfo uses reflection; pass a source-generated JsonTypeInfo<T> instead.";

    /// <summary>The value decoded as UTF-8.</summary>
    /// <exception cref="NotFoundException">The source has no such key.</exception>
    public static async ValueTask<string> GetStringAsync(this Group group, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        return (await group.GetAsync(key, cancellationToken).ConfigureAwait(false)).ToString();
    }

    /// <summary>The value decoded as UTF-8; null when the source has no such key.</summary>
    public static async ValueTask<string?> TryGetStringAsync(this Group group, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        return (await group.TryGetAsync(key, cancellationToken).ConfigureAwait(false))?.ToString();
    }

    /// <summary>The value read as JSON of a <typeparamref name="T"/>.</summary>
    /// <exception cref="NotFoundException">The source has no such key.</exception>
    /// <exception cref="JsonException">The value is not JSON of a <typeparamref name="T"/>.</exception>
    public static async ValueTask<T?> GetJsonAsync<T>(this Group group, string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(typeInfo);
        return (await group.GetAsync(key, cancellationToken).ConfigureAwait(false)).ReadJson(typeInfo);
    }

    /// <summary>
    /// The value read as JSON of a <typeparamref name="T"/>; default when the source has no such
    /// key (ask for a nullable <typeparamref name="T"/> to tell it from a stored default).
    /// </summary>
    /// <exception cref="JsonException">The value is not JSON of a <typeparamref name="T"/>.</exception>
    public static async ValueTask<T?> TryGetJsonAsync<T>(this Group group, string key, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var value = await group.TryGetAsync(key, cancellationToken).ConfigureAwait(false);
        return value is { } found ? found.ReadJson(typeInfo) : default;
    }

    /// <summary>The value read as JSON of a <typeparamref name="T"/>, by reflection.</summary>
    /// <exception cref="NotFoundException">The source has no such key.</exception>
    /// <exception cref="JsonException">The value is not JSON of a <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode(ReflectionJson)]
    [RequiresDynamicCode(ReflectionJson)]
    public static async ValueTask<T?> GetJsonAsync<T>(this Group group, string key, JsonSerializerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        return (await group.GetAsync(key, cancellationToken).ConfigureAwait(false)).ReadJson<T>(options);
    }

    /// <summary>The value read as JSON of a <typeparamref name="T"/>, by reflection; default when the source has no such key.</summary>
    /// <exception cref="JsonException">The value is not JSON of a <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode(ReflectionJson)]
    [RequiresDynamicCode(ReflectionJson)]
    public static async ValueTask<T?> TryGetJsonAsync<T>(this Group group, string key, JsonSerializerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(group);
        var value = await group.TryGetAsync(key, cancellationToken).ConfigureAwait(false);
        return value is { } found ? found.ReadJson<T>(options) : default;
    }
}
