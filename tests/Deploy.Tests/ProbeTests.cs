using System.Net;
using System.Text.Json;
using k8s.Models;

namespace Deploy.Tests;

/// <summary>
/// The probes the manifests declare, sent to the real services (processes on 127.0.0.1): each
/// path answers on the port the probe names, with the health endpoints' JSON, not a 404.
/// </summary>
public sealed class ProbeTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private SourceNode _source = null!;
    private CacheNode _cache = null!;

    public async Task InitializeAsync()
    {
        _source = new SourceNode(_dir.Path);
        await _source.StartAsync();
        _cache = new CacheNode("probe-node", _source.Url);
        await _cache.StartAsync();
    }

    public Task DisposeAsync()
    {
        _cache.Dispose();
        _source.Dispose();
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Probes_OfEveryContainer_AnswerOnTheirPathAndPort()
    {
        var checkedProbes = 0;
        foreach (var (manifest, _, container) in Manifests.Containers(Manifests.Base))
        {
            // The container's named ports, as the test's processes listen on them.
            var ports = container.Name switch
            {
                "cacheapp" => new Dictionary<string, int> { ["api"] = _cache.ApiPort, ["groupcache"] = _cache.GcPort },
                "sourceapp" => new Dictionary<string, int> { ["http"] = _source.Port },
                _ => throw new InvalidOperationException($"{manifest}: no process for container {container.Name}"),
            };
            foreach (var (kind, probe) in new[] { ("liveness", container.LivenessProbe), ("readiness", container.ReadinessProbe) })
            {
                var get = probe.HttpGet;
                string portName = get.Port.Value;
                Assert.True(ports.ContainsKey(portName), $"{manifest}: {container.Name}'s {kind} probe names port {portName}, which is not one of {string.Join(", ", ports.Keys)}");
                Assert.Contains(container.Ports, p => p.Name == portName);

                var (status, body) = await GetAsync($"http://127.0.0.1:{ports[portName]}{get.Path}");

                Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{manifest}: {container.Name}'s {kind} probe GET {get.Path} on {portName} answered {(int)status}: {body}");
                using var json = JsonDocument.Parse(body);
                Assert.True(json.RootElement.TryGetProperty("status", out _), $"{get.Path} is not a health endpoint: {body}");
                if (kind == "liveness")
                {
                    Assert.Equal(HttpStatusCode.OK, status);
                }

                checkedProbes++;
            }
        }

        Assert.Equal(4, checkedProbes);
    }

    [Fact]
    public async Task ReadinessProbe_OfACacheNodeWithItsSource_EventuallyReady()
    {
        var probe = Manifests.Containers(Manifests.Base).Single(c => c.Container.Name == "cacheapp").Container.ReadinessProbe.HttpGet;

        bool ready = await TestHttp.EventuallyAsync(
            async () => (await GetAsync($"{_cache.ApiUrl}{probe.Path}")).Status == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(200));

        Assert.True(ready, $"{probe.Path} never answered 200:\n{_cache.Process.Output}");
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(string url)
    {
        using var response = await TestHttp.Client.GetAsync(new Uri(url));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
