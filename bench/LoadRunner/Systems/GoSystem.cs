using System.Globalization;
using LoadRunner.Infrastructure;

namespace LoadRunner.Systems;

/// <summary>
/// tests/GoPeer: the unmodified golang/groupcache behind the same API shape, loading from the source.
/// With <paramref name="peerIdleConns"/>, the peer transport keeps that many idle connections per
/// peer instead of Go's default two (what a careful Go operator sets); that system is "go-tuned".
/// </summary>
/// With <paramref name="traceGc"/>, the nodes run with GODEBUG=gctrace=1, which prints every
/// collection's pauses (<see cref="Infrastructure.GoGcTrace"/> reads them).
public sealed class GoSystem(RepoPaths paths, string sourceUrl, string logDir, int? peerIdleConns = null, bool traceGc = false) : ICacheSystem
{
    /// <summary>The name of the Go system whose peer transport is tuned.</summary>
    public const string TunedName = "go-tuned";

    private int _started;

    public string Name => peerIdleConns is null ? "go" : TunedName;

    /// <summary>Idle connections per peer, when tuned; null for Go's default.</summary>
    public int? PeerIdleConns => peerIdleConns;

    /// <summary>The same Go node with its peer transport keeping <paramref name="idleConns"/> idle connections per peer.</summary>
    public GoSystem Tuned(int idleConns) => new(paths, sourceUrl, logDir, idleConns, traceGc);

    /// <summary>The same Go node loading from <paramref name="url"/>, with its GC trace on (the scaling scenario reads it).</summary>
    public ICacheSystem WithSource(string url) => new GoSystem(paths, url, logDir, peerIdleConns, traceGc: true);

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
                    "-source", sourceUrl, .. Tuning(),

                    // The runner reads only the total from /loads; a count per key would be a harness
                    // map beside Go's cache, growing with every key loaded (charged to Go's memory).
                    "-count-keys=false",
                ],
                Path.Combine(logDir, $"{Name}-{n:D2}-{label}-{i}.log"),
                traceGc ? new Dictionary<string, string> { ["GODEBUG"] = "gctrace=1" } : null);
        });
    }

    private string[] Tuning() => peerIdleConns is { } n ? ["-peer-idle-conns", n.ToString(CultureInfo.InvariantCulture)] : [];

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
