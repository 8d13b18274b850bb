using System.Globalization;
using System.Net;
using System.Text.Json;

namespace ServiceTesting;

/// <summary>A real SourceApp process on 127.0.0.1 over a SQLite file; restarts keep the port and the file.</summary>
public sealed class SourceNode : IDisposable
{
    private readonly string[] _extraArgs;
    private readonly Dictionary<string, string> _env;
    private ServiceProcess? _process;

    public SourceNode(string dataDir, IEnumerable<string>? extraArgs = null, IReadOnlyDictionary<string, string>? env = null)
    {
        DbPath = Path.Combine(dataDir, "source.db");
        Port = FreePort.Next();
        _extraArgs = [.. extraArgs ?? []];
        _env = new Dictionary<string, string>(env ?? new Dictionary<string, string>());
    }

    public string DbPath { get; }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public ServiceProcess Process => _process ?? throw new InvalidOperationException("not started");

    /// <summary>Starts the process (again) without waiting for it.</summary>
    public void Launch()
    {
        _process?.Dispose();
        _process = ServiceProcess.Start("source", "SourceApp.dll", ["-db", DbPath, "-http", $"127.0.0.1:{Port}", "-name", "test-source", .. _extraArgs], _env);
    }

    public async Task StartAsync()
    {
        Launch();
        await Health.WaitAsync(_process!, Url);
    }

    public void Kill() => _process?.Kill();

    public void Dispose() => _process?.Dispose();
}

/// <summary>A real CacheApp process bound to 127.0.0.1 (or <c>host</c>, another loopback address) with SELF_HOST=127.0.0.1.</summary>
public sealed class CacheNode : IDisposable
{
    private readonly Dictionary<string, string> _env;
    private ServiceProcess? _process;

    /// <param name="host">The loopback address the node listens on (BIND_HOST); its announced addresses
    /// may differ (SELF_API_ADDR, SELF_GROUPCACHE_ADDR in <paramref name="extraEnv"/>, e.g. a proxy's).</param>
    public CacheNode(string name, string sourceUrl, IEnumerable<string>? initialPeers = null, IReadOnlyDictionary<string, string>? extraEnv = null, int? apiPort = null, int? gcPort = null, string host = "127.0.0.1")
    {
        Name = name;
        Host = host;
        ApiPort = apiPort ?? FreePort.Next();
        GcPort = gcPort ?? FreePort.Next();
        _env = new Dictionary<string, string>
        {
            ["SELF_HOST"] = "127.0.0.1",
            ["BIND_HOST"] = host,
            ["API_PORT"] = ApiPort.ToString(CultureInfo.InvariantCulture),
            ["GROUPCACHE_PORT"] = GcPort.ToString(CultureInfo.InvariantCulture),
            ["SOURCEAPP_SERVICE_URL"] = sourceUrl,
            ["INITIAL_PEERS"] = string.Join(',', initialPeers ?? []),
            ["GOSSIP_INTERVAL"] = "500ms",
            ["MEMBER_DEAD_AFTER"] = "3s",
            ["SOURCE_HEALTH_INTERVAL"] = "500ms",
            ["NODE_NAME"] = name,
        };
        foreach (var (k, v) in extraEnv ?? new Dictionary<string, string>())
        {
            _env[k] = v;
        }
    }

    public string Name { get; }

    /// <summary>The address the node listens on.</summary>
    public string Host { get; }

    public int ApiPort { get; }

    public int GcPort { get; }

    /// <summary>The node's own API address (not the announced one, when they differ).</summary>
    public string ApiUrl => $"http://{Host}:{ApiPort}";

    /// <summary>The node's name on the ring: its announced groupcache address.</summary>
    public string GcAddr => _env.TryGetValue("SELF_GROUPCACHE_ADDR", out string? announced) ? announced : $"http://{Host}:{GcPort}";

    public ServiceProcess Process => _process ?? throw new InvalidOperationException("not started");

    /// <summary>Starts the process (again, after a kill) without waiting for it.</summary>
    public void Launch()
    {
        _process?.Dispose();
        _process = ServiceProcess.Start(Name, "CacheApp.dll", [], _env);
    }

    public async Task StartAsync()
    {
        Launch();
        await Health.WaitAsync(_process!, ApiUrl);
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string key) =>
        TestHttp.GetJsonAsync($"{ApiUrl}/api/data/{Uri.EscapeDataString(key)}");

    public async Task<JsonElement> StatusAsync() => (await TestHttp.GetJsonAsync($"{ApiUrl}/api/admin/status")).Body;

    public async Task<JsonElement> PeersAsync() => (await TestHttp.GetJsonAsync($"{ApiUrl}/api/admin/peers")).Body;

    /// <summary>One groupcache counter from /api/admin/status (like "localLoads").</summary>
    public async Task<long> StatAsync(string name) => (await StatusAsync()).GetProperty("group").GetProperty("stats").GetProperty(name).GetInt64();

    /// <summary>The groupcache addresses of the members /api/admin/peers lists in <paramref name="state"/>.</summary>
    public async Task<string[]> MembersAsync(string state = "alive")
    {
        var peers = await PeersAsync();
        return [.. peers.GetProperty("members").EnumerateArray()
            .Where(m => m.GetProperty("state").GetString() == state)
            .Select(m => m.GetProperty("groupcacheAddr").GetString()!)
            .Order(StringComparer.Ordinal)];
    }

    public async Task<string[]> RingAsync() =>
        [.. (await PeersAsync()).GetProperty("ring").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal)];

    public void Dispose() => _process?.Dispose();
}

public static class Health
{
    /// <summary>Polls GET {url}/health until 200; fails with the process's output when it exits or times out.</summary>
    public static async Task WaitAsync(ServiceProcess process, string url, TimeSpan? timeout = null)
    {
        bool healthy = await TestHttp.EventuallyAsync(
            async () =>
            {
                if (process.HasExited)
                {
                    return true;
                }

                using var response = await TestHttp.Client.GetAsync(new Uri($"{url}/health"));
                return response.StatusCode == HttpStatusCode.OK;
            },
            timeout ?? TimeSpan.FromSeconds(60),
            TimeSpan.FromMilliseconds(50));
        if (!healthy || process.HasExited)
        {
            Assert.Fail($"{process.Name} did not become healthy at {url}:{Environment.NewLine}{process.Output}");
        }
    }
}
