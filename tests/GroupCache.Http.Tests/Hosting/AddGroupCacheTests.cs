using System.Collections.Concurrent;
using System.Threading.Channels;
using GroupCache.Http.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ServiceTesting;

namespace GroupCache.Http.Tests.Hosting;

/// <summary>The front door in a real host: registration, options from configuration, groups, getters from DI, peer sources.</summary>
public class AddGroupCacheTests
{
    private static ValueTask<ByteView> Echo(string prefix, string key) => ValueTask.FromResult(ByteView.FromString(prefix + key));

    [Fact]
    public async Task AddGroupCache_KeyedGroup_ResolvesAndLoadsThroughTheGetter()
    {
        var getter = new CountingGetter((key, _) => Echo("v:", key));
        await using var node = await FrontDoorNode.StartAsync(FrontDoorNode.NewUrl(), null, g => g.AddGroup("products", 1 << 20, getter));

        var group = node.Group("products");
        var first = await group.GetAsync("k1");
        var second = await group.GetAsync("k1");

        Assert.Equal("v:k1", first.ToString());
        Assert.Equal("v:k1", second.ToString());
        Assert.Equal(1, getter.CallsFor("k1"));
        Assert.Same(group, node.App.Services.GetRequiredService<GroupRegistry>().Groups.Single());
    }

    [Fact]
    public async Task AddGroupCache_InMemoryConfiguration_BindsPoolAndGroupSettings()
    {
        string url = FrontDoorNode.NewUrl();
        string other = "http://127.0.0.1:1";
        var settings = new Dictionary<string, string?>
        {
            ["GroupCache:Peers:0"] = url,
            ["GroupCache:Peers:1"] = other,
            ["GroupCache:BasePath"] = "/_peers/",
            ["GroupCache:Replicas"] = "7",
            ["GroupCache:PeerTimeout"] = "00:00:03",
            ["GroupCache:MaxValueBytes"] = "4096",
            ["GroupCache:ClusterSecret"] = "s3cret",
            ["GroupCache:Groups:products:CacheBytes"] = "2048",
            ["GroupCache:Groups:products:Ttl"] = "00:05:00",
        };
        await using var node = await FrontDoorNode.StartAsync(url, settings, g => g.AddGroup("products", 1 << 20, (key, _) => Echo("v:", key)));

        var options = node.Pool.Options;
        Assert.Equal(url, node.Pool.Self);
        Assert.Equal([other, url], node.Pool.Peers);
        Assert.Equal("/_peers/", options.BasePath);
        Assert.Equal(7, options.Replicas);
        Assert.Equal(TimeSpan.FromSeconds(3), options.PeerTimeout);
        Assert.Equal(4096, options.MaxValueBytes);
        Assert.Equal("s3cret", options.ClusterSecret);
        Assert.Equal(2048, node.Group("products").CacheBytes);
        Assert.Equal(TimeSpan.FromMinutes(5), node.Group("products").Ttl);
    }

    [Fact]
    public async Task AddGroup_TwoGroups_EachKeepsItsOwnGetterAndCache()
    {
        await using var node = await FrontDoorNode.StartAsync(FrontDoorNode.NewUrl(), null, g => g
            .AddGroup("products", 1 << 20, (key, _) => Echo("product:", key))
            .AddGroup("users", 1 << 10, new GetterFunc((key, _) => Echo("user:", key))));

        Assert.Equal("product:1", (await node.Group("products").GetAsync("1")).ToString());
        Assert.Equal("user:1", (await node.Group("users").GetAsync("1")).ToString());
        Assert.Equal(1 << 20, node.Group("products").CacheBytes);
        Assert.Equal(1 << 10, node.Group("users").CacheBytes);
        Assert.Equal(1, node.Group("products").GetCacheStats(CacheType.Main).Items);
        Assert.Equal(1, node.Group("users").GetCacheStats(CacheType.Main).Items);
    }

    [Fact]
    public void AddGroup_SameNameTwice_Throws()
    {
        var builder = new ServiceCollection().AddGroupCache().AddGroup("products", 1, (key, _) => Echo("", key));

        Assert.Throws<InvalidOperationException>(() => builder.AddGroup("products", 1, (key, _) => Echo("", key)));
    }

    /// <summary>A scoped service: records each instance and whether its scope disposed it.</summary>
    private sealed class ScopedDependency : IDisposable
    {
        public static readonly ConcurrentBag<ScopedDependency> Created = [];

        public ScopedDependency() => Created.Add(this);

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class ScopedGetter(ScopedDependency dependency) : IGetter
    {
        public ValueTask<ByteView> GetAsync(string key, CancellationToken cancellationToken)
        {
            Assert.False(dependency.Disposed);
            return Echo("scoped:", key);
        }
    }

    [Fact]
    public async Task AddGroupOfGetterType_ScopedDependency_NewScopePerLoadDisposedAfterIt()
    {
        await using var node = await FrontDoorNode.StartAsync(FrontDoorNode.NewUrl(), null, g =>
        {
            g.Services.AddScoped<ScopedDependency>();
            g.AddGroup<ScopedGetter>("scoped", 1 << 20);
        });
        int before = ScopedDependency.Created.Count;

        foreach (string key in new[] { "a", "b", "c" })
        {
            Assert.Equal("scoped:" + key, (await node.Group("scoped").GetAsync(key)).ToString());
        }

        var created = ScopedDependency.Created.ToArray();
        Assert.Equal(3, created.Length - before);
        Assert.All(created, d => Assert.True(d.Disposed));
    }

    /// <summary>Pushes the peer sets a test gives it.</summary>
    private sealed class TestPeerSource : IPeerSource
    {
        public Channel<IReadOnlyCollection<string>> Sets { get; } = Channel.CreateUnbounded<IReadOnlyCollection<string>>();

        public IAsyncEnumerable<IReadOnlyCollection<string>> WatchAsync(CancellationToken cancellationToken) => Sets.Reader.ReadAllAsync(cancellationToken);
    }

    [Fact]
    public async Task AddPeerSource_PushedPeerSets_ReplaceTheRing()
    {
        string url = FrontDoorNode.NewUrl();
        await using var node = await FrontDoorNode.StartAsync(url, null, g => g.AddGroup("g", 1 << 20, (key, _) => Echo("", key)).AddPeerSource<TestPeerSource>());
        var source = node.App.Services.GetRequiredService<TestPeerSource>();

        await source.Sets.Writer.WriteAsync([url, "http://127.0.0.1:2"]);
        await PollAsync(() => node.Pool.Peers.Count == 2);
        Assert.Equal(new[] { url, "http://127.0.0.1:2" }.Order(StringComparer.Ordinal), node.Pool.Peers);

        await source.Sets.Writer.WriteAsync(["not a url"]); // ignored: the ring stays
        await source.Sets.Writer.WriteAsync([url, "http://127.0.0.1:3", "http://127.0.0.1:4"]);
        await PollAsync(() => node.Pool.Peers.Count == 3);
        Assert.Equal(new[] { url, "http://127.0.0.1:3", "http://127.0.0.1:4" }.Order(StringComparer.Ordinal), node.Pool.Peers);
    }

    [Fact]
    public async Task MapGroupCache_PeerPort_ServesPeersThereAndOnlyThere()
    {
        string url = FrontDoorNode.NewUrl();
        int apiPort = FreePort.Next();
        var settings = new Dictionary<string, string?> { ["GroupCache:PeerPort"] = new Uri(url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var node = await FrontDoorNode.StartAsync(
            url,
            settings,
            g => g.AddGroup("g", 1 << 20, (key, _) => Echo("v:", key)),
            beforePeers: app => app.MapGet("/_groupcache/g/k", () => "the app's own route"),
            extraPorts: [apiPort]);
        using var http = new HttpClient();

        var peerAnswer = await http.GetAsync(new Uri(url + "/_groupcache/g/k"));
        var peerPortOther = await http.GetAsync(new Uri(url + "/anything"));
        var apiAnswer = await http.GetAsync(new Uri($"http://127.0.0.1:{apiPort}/_groupcache/g/k"));

        Assert.Equal(System.Net.HttpStatusCode.OK, peerAnswer.StatusCode);
        Assert.Equal("application/x-protobuf", peerAnswer.Content.Headers.ContentType?.MediaType);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, peerPortOther.StatusCode);
        Assert.Contains("not a groupcache path", await peerPortOther.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("the app's own route", await apiAnswer.Content.ReadAsStringAsync());
    }

    internal static async Task PollAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(20, deadline.Token);
        }
    }
}
