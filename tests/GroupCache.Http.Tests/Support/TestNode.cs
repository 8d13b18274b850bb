using Microsoft.AspNetCore.Builder;

namespace GroupCache.Http.Tests.Support;

/// <summary>
/// A C# ring node: Kestrel on 127.0.0.1 serving the peer protocol, its own registry, one group
/// "data" with a counting getter, and an <see cref="HttpPool"/> named after its own address.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    public const string GroupName = "data";

    private readonly TestServerHost _host;

    private TestNode(TestServerHost host, GroupRegistry registry, HttpPool pool, Group group, CountingGetter getter)
    {
        _host = host;
        Registry = registry;
        Pool = pool;
        Group = group;
        Getter = getter;
    }

    public string Url => _host.Url;

    public GroupRegistry Registry { get; }

    public HttpPool Pool { get; }

    public Group Group { get; }

    public CountingGetter Getter { get; }

    public static async Task<TestNode> StartAsync(
        HttpPoolOptions? options = null,
        CountingGetter? getter = null,
        GroupOptions? groupOptions = null,
        long cacheBytes = 256L * 1024 * 1024,
        HttpPoolOptions? clientOptions = null)
    {
        options ??= new HttpPoolOptions();
        var registry = new GroupRegistry();
        var host = await TestServerHost.StartAsync(app => app.UseGroupCachePeerProtocol(registry, options));

        // The port is known only once Kestrel listens, so the pool and group come after it; the
        // endpoint finds the group in the registry from then on.
        var pool = new HttpPool(host.Url, clientOptions ?? options);
        getter ??= new CountingGetter();
        var group = registry.NewGroup(GroupName, cacheBytes, getter, pool, groupOptions);
        return new TestNode(host, registry, pool, group, getter);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        Pool.Dispose();
    }
}
