using GroupCache.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using static GroupCache.Kubernetes.Tests.Slices;

namespace GroupCache.Kubernetes.Tests;

/// <summary>The front door: a host whose pool takes its ring from the stub API server.</summary>
public sealed class AddKubernetesDiscoveryTests : IAsyncLifetime
{
    private const string Self = "http://127.0.0.10:8081";
    private StubKubernetesApi _api = null!;

    public async Task InitializeAsync() => _api = await StubKubernetesApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Host_WithKubernetesDiscovery_PoolFollowsTheEndpointsAndStatusIsTheSource()
    {
        _api.Apply(Of("cache-a", [Endpoint("127.0.0.11")]));
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddGroupCache(o => o.Self = Self)
            .AddGroup("data", 1 << 20, (key, _) => ValueTask.FromResult(ByteView.FromString(key)))
            .AddKubernetesDiscovery(o =>
            {
                o.ServiceName = Service;
                o.Namespace = Namespace;
                o.Self = Self;
                o.ClientConfiguration = _api.Configuration;
                o.MinBackoff = TimeSpan.FromMilliseconds(20);
            });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var pool = host.Services.GetRequiredService<HttpPool>();
            await RingWatcher.EventuallyAsync(() => pool.Peers.SequenceEqual([Self, "http://127.0.0.11:8081"]), "the pool has the endpoint");

            _api.Apply(Of("cache-a", [Endpoint("127.0.0.11"), Endpoint("127.0.0.12")]));
            await RingWatcher.EventuallyAsync(() => pool.Peers.Count == 3, "the pool has both endpoints");

            var status = host.Services.GetRequiredService<IDiscoveryStatus>();
            Assert.Same(host.Services.GetRequiredService<IPeerSource>(), status);
            Assert.Equal("kubernetes", status.Snapshot.Mode);
            Assert.Equal(pool.Peers, status.Snapshot.Peers);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
