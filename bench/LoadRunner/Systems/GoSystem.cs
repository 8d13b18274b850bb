using System.Globalization;
using LoadRunner.Infrastructure;

namespace LoadRunner.Systems;

/// <summary>tests/GoPeer: the unmodified golang/groupcache behind the same API shape, loading from the source.</summary>
public sealed class GoSystem(RepoPaths paths, string sourceUrl, string logDir) : ICacheSystem
{
    private int _started;

    public string Name => "go";

    public Task<CacheCluster> StartAsync(string label, IReadOnlyList<NodeSpec> nodes)
    {
        var ports = StartHelper.Allocate(nodes.Count);
        string peers = string.Join(',', ports.Select(p => p.GroupCacheAddr));
        return StartHelper.StartAllAsync(this, ports, i =>
        {
            int n = Interlocked.Increment(ref _started);
            return ChildProcess.Start($"go-{label}-{i}", paths.GoPeer,
                [
                    "-self", ports[i].GroupCacheAddr, "-peers", peers, "-api", $"127.0.0.1:{ports[i].Api}",
                    "-group", "data", "-cache-bytes", nodes[i].CacheBytes.ToString(CultureInfo.InvariantCulture),
                    "-source", sourceUrl,
                ],
                Path.Combine(logDir, $"go-{n:D2}-{label}-{i}.log"));
        });
    }

    public async Task<NodeStats> StatsAsync(CacheNode node)
    {
        var s = await Http.GetJsonAsync($"{node.ApiUrl}/stats").ConfigureAwait(false);
        var loads = await Http.GetJsonAsync($"{node.ApiUrl}/loads").ConfigureAwait(false);
        return new NodeStats(
            SourceLoads: JsonPath.Long(loads, "total"),
            Gets: JsonPath.Long(s, "Gets"),
            CacheHits: JsonPath.Long(s, "CacheHits"),
            PeerLoads: JsonPath.Long(s, "PeerLoads"),
            PeerErrors: JsonPath.Long(s, "PeerErrors"),
            MainItems: JsonPath.Long(s, "MainCache", "Items"),
            MainBytes: JsonPath.Long(s, "MainCache", "Bytes"),
            HotItems: JsonPath.Long(s, "HotCache", "Items"));
    }
}
