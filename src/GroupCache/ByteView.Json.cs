using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace GroupCache;

// Values as UTF-8 JSON with System.Text.Json: the JsonTypeInfo overloads suit source-generated
// contexts (trimming, AOT); the others use reflection.
public readonly partial struct ByteView
{
    private const string ReflectionJson = "JSON without a JsonTypeInfo uses reflection; pass a source-generated JsonTypeInfo<T> instead.";

    /// <summary>A view over the UTF-8 JSON of <paramref name="value"/>.</summary>
    public static ByteView FromJson<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return new(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo));
    }

    /// <summary>A view over the UTF-8 JSON of <paramref name="value"/>, serialized by reflection.</summary>
    [RequiresUnreferencedCode(ReflectionJson)]
    [RequiresDynamicCode(ReflectionJson)]
    public static ByteView FromJson<T>(T value, JsonSerializerOptions? options = null) =>
        new(JsonSerializer.SerializeToUtf8Bytes(value, options));

    /// <summary>The bytes read as JSON of a <typeparamref name="T"/>.</summary>
    /// <exception cref="JsonException">The bytes are not JSON of a <typeparamref name="T"/>.</exception>
    public T? ReadJson<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return JsonSerializer.Deserialize(_bytes.Span, typeInfo);
    }

    /// <summary>The bytes read as JSON of a <typeparamref name="T"/>, by reflection.</summary>
    /// <exception cref="JsonException">The bytes are not JSON of a <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode(ReflectionJson)]
    [RequiresDynamicCode(ReflectionJson)]
    public T? ReadJson<T>(JsonSerializerOptions? options = null) => JsonSerializer.Deserialize<T>(_bytes.Span, options);
}
