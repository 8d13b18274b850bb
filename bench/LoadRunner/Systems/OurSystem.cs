using System.Globalization;
using LoadRunner.Infrastructure;

namespace LoadRunner.Systems;

/// <summary>
/// src/CacheApp configured through its environment variables: the Release build run with `dotnet`, or
/// (as "aot") a Native AOT executable published from the same sources.
/// </summary>
public sealed class OurSystem(RepoPaths paths, string sourceUrl, string logDir, IReadOnlyDictionary<string, string> extraEnv, string? aotBinary = null) : ICacheSystem
{
    private int _started;

    public string Name => aotBinary is null ? "ours" : "aot";

    public Task<CacheCluster> StartAsync(string label, IReadOnlyList<NodeSpec> nodes)
    {
        var ports = StartHelper.Allocate(nodes.Count);
        string peers = string.Join(',', ports.Select(p => p.GroupCacheAddr));
        return StartHelper.StartAllAsync(this, ports, i =>
        {
            var env = new Dictionary<string, string>
            {
                ["API_PORT"] = Str(ports[i].Api),
                ["GROUPCACHE_PORT"] = Str(ports[i].GroupCache),
                ["SELF_HOST"] = "127.0.0.1",
                ["BIND_HOST"] = "127.0.0.1",
                ["SOURCEAPP_SERVICE_URL"] = sourceUrl,
                ["CACHE_BYTES"] = Str(nodes[i].CacheBytes),
                ["GROUPCACHE_PEERS"] = peers,
                ["GROUP_NAME"] = "data",
                ["NODE_NAME"] = $"bench-{i}",

                // The young-generation budget every launcher of ours ships (start-services.sh, the
                // Dockerfile; docs/CACHEAPP.md); --ours-env DOTNET_GCgen0size= measures without it.
                ["DOTNET_GCgen0size"] = "4000000",
            };
            foreach (var (k, v) in extraEnv)
            {
                env[k] = v;
            }

            int n = Interlocked.Increment(ref _started);
            string file = aotBinary ?? "dotnet";
            string[] args = aotBinary is null ? [paths.CacheAppDll] : [];
            return ChildProcess.Start($"{Name}-{label}-{i}", file, args,
                Path.Combine(logDir, $"{Name}-{n:D2}-{label}-{i}.log"), env, Path.GetDirectoryName(aotBinary ?? paths.CacheAppDll));
        });
    }

    public ICacheSystem WithSource(string url) => new OurSystem(paths, url, logDir, extraEnv, aotBinary);

    public async Task<NodeStats> StatsAsync(CacheNode node)
    {
        var s = await Http.GetJsonAsync($"{node.ApiUrl}/api/admin/status").ConfigureAwait(false);
        long Stat(string name) => JsonPath.Long(s, "group", "stats", name);
        long gen1 = JsonPath.Long(s, "process", "gen1Collections");
        long gen2 = JsonPath.Long(s, "process", "gen2Collections");
        return new NodeStats(
            SourceLoads: Stat("LocalLoads"),
            Gets: Stat("Gets"),
            CacheHits: Stat("CacheHits"),
            PeerLoads: Stat("PeerLoads"),
            PeerErrors: Stat("PeerErrors"),
            MainItems: JsonPath.Long(s, "group", "mainCache", "items"),
            MainBytes: JsonPath.Long(s, "group", "mainCache", "bytes"),
            HotItems: JsonPath.Long(s, "group", "hotCache", "items"))
        {
            GcPauseMs = JsonPath.DoubleOrNaN(s, "process", "gcPauseMilliseconds"),
            GcPauseMaxLast10sMs = JsonPath.DoubleOrNaN(s, "process", "gcPauseMaxLast10sMilliseconds"),
            GcPauseMaxLast10sGeneration = JsonPath.TryLong(s, out long generation, "process", "gcPauseMaxLast10sGeneration") ? (int)generation : -1,
            OlderCollections = (gen1, gen2),
            AllocatedBytes = JsonPath.Long(s, "process", "allocatedBytes"),
            GcCollections = JsonPath.Long(s, "process", "gen0Collections") + gen1 + gen2,
        };
    }

    private static string Str(long n) => n.ToString(CultureInfo.InvariantCulture);
}
