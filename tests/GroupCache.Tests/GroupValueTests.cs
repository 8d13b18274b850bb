using System.Text.Json;
using System.Text.Json.Serialization;

namespace GroupCache.Tests;

public sealed record Product(string Name, decimal Price);

[JsonSerializable(typeof(Product))]
internal sealed partial class ProductJsonContext : JsonSerializerContext;

/// <summary>TryGetAsync, the typed reads, and the TTL range.</summary>
public class GroupValueTests
{
    private static Group NewGroup(Func<string, ByteView> load) =>
        new("g", 1 << 20, new GetterFunc((key, _) => key.StartsWith("missing", StringComparison.Ordinal)
            ? throw new NotFoundException("no " + key)
            : key.StartsWith("broken", StringComparison.Ordinal) ? throw new InvalidOperationException("source down") : ValueTask.FromResult(load(key))));

    [Fact]
    public async Task TryGetAsync_PresentKey_ReturnsValue()
    {
        var group = NewGroup(k => ByteView.FromString("v:" + k));

        var value = await group.TryGetAsync("k");

        Assert.Equal("v:k", value?.ToString());
    }

    [Fact]
    public async Task TryGetAsync_AbsentKey_ReturnsNull()
    {
        var group = NewGroup(k => ByteView.FromString(k));

        Assert.Null(await group.TryGetAsync("missing-1"));
        Assert.Null(await group.TryGetStringAsync("missing-2"));
        Assert.Null(await group.TryGetJsonAsync("missing-3", ProductJsonContext.Default.Product));
    }

    [Fact]
    public async Task TryGetAsync_OtherFailure_Throws()
    {
        var group = NewGroup(k => ByteView.FromString(k));

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await group.TryGetAsync("broken"));
        await Assert.ThrowsAsync<NotFoundException>(async () => await group.GetStringAsync("missing"));
    }

    [Fact]
    public async Task TryGetAsync_CacheHit_CompletesSynchronously()
    {
        var group = NewGroup(k => ByteView.FromString(k));
        await group.GetAsync("k");

        var hit = group.TryGetAsync("k");

        Assert.True(hit.IsCompletedSuccessfully);
        Assert.Equal("k", (await hit)?.ToString());
    }

    [Fact]
    public async Task GetStringAsync_Utf8Value_Decodes()
    {
        var group = NewGroup(k => ByteView.FromString("grüße " + k));

        Assert.Equal("grüße k", await group.GetStringAsync("k"));
        Assert.Equal("grüße j", await group.TryGetStringAsync("j"));
    }

    [Fact]
    public async Task GetJsonAsync_SourceGeneratedContext_RoundTrips()
    {
        var group = NewGroup(k => ByteView.FromJson(new Product(k, 9.5m), ProductJsonContext.Default.Product));

        var product = await group.GetJsonAsync("lamp", ProductJsonContext.Default.Product);
        var again = await group.TryGetJsonAsync("desk", ProductJsonContext.Default.Product);

        Assert.Equal(new Product("lamp", 9.5m), product);
        Assert.Equal(new Product("desk", 9.5m), again);
    }

    [Fact]
    public async Task GetJsonAsync_Reflection_RoundTripsWithOptions()
    {
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var group = NewGroup(k => ByteView.FromJson(new Product(k, 2m), web));

        var product = await group.GetJsonAsync<Product>("pen", web);

        Assert.Equal(new Product("pen", 2m), product);
        Assert.Contains("\"name\":\"pen\"", (await group.GetAsync("pen")).ToString(), StringComparison.Ordinal);
        Assert.Equal(new Product("ink", 2m), await group.TryGetJsonAsync<Product>("ink", web));
    }

    [Fact]
    public async Task GetJsonAsync_NotJson_ThrowsJsonException()
    {
        var group = NewGroup(_ => ByteView.FromString("not json"));

        await Assert.ThrowsAnyAsync<JsonException>(async () => await group.GetJsonAsync("k", ProductJsonContext.Default.Product));
    }

    public static TheoryData<TimeSpan> BadTtls => new() { TimeSpan.FromTicks(-1), GroupOptions.MaxTtl + TimeSpan.FromTicks(1), TimeSpan.MaxValue };

    [Theory]
    [MemberData(nameof(BadTtls))]
    public void Constructor_TtlOutOfRange_ThrowsNamingTtl(TimeSpan ttl)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Group("g", 1, new GetterFunc((k, _) => ValueTask.FromResult(ByteView.FromString(k))), options: new GroupOptions { Ttl = ttl }));

        Assert.Equal("Ttl", error.ParamName);
    }

    [Fact]
    public async Task GetAsync_LongestTtl_ExpiresAfterNowWithoutOverflow()
    {
        var options = new GroupOptions { Ttl = GroupOptions.MaxTtl };
        var group = new Group("g", 1 << 20, new GetterFunc((k, _) => ValueTask.FromResult(ByteView.FromString(k))), options: options);

        var answer = await group.GetForPeerAsync("k");
        await group.GetAsync("k");

        Assert.True(answer.ExpiresAtUnixNanos > UnixNanos.Now(TimeProvider.System));
        Assert.Equal(1, group.Stats.CacheHits);
    }
}
