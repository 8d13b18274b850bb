using LoadRunner.Infrastructure;

namespace LoadRunner.Systems;

/// <summary>One running cache node, ours or Go's.</summary>
public sealed class CacheNode(string apiUrl, string groupCacheAddr, ChildProcess process, TimeSpan startup)
{
    /// <summary>http://127.0.0.1:P, no trailing slash.</summary>
    public string ApiUrl { get; } = apiUrl;

    /// <summary>The node's name on the ring, http://127.0.0.1:P.</summary>
    public string GroupCacheAddr { get; } = groupCacheAddr;

    public ChildProcess Process { get; } = process;

    /// <summary>From process start to the first healthy answer.</summary>
    public TimeSpan Startup { get; } = startup;

    public string DataUrl(string key) => $"{ApiUrl}/api/data/{key}";

    public string DataPrefix => $"{ApiUrl}/api/data/";
}

/// <summary>What the runner reads from a node after a measurement; the field names are groupcache's.</summary>
/// <param name="SourceLoads">Getter calls: Go's /loads total, our LocalLoads.</param>
public sealed record NodeStats(long SourceLoads, long Gets, long CacheHits, long PeerLoads, long PeerErrors, long MainItems, long MainBytes, long HotItems)
{
    /// <summary>Total GC pause time of the process so far, in ms (ours only; NaN for Go).</summary>
    public double GcPauseMs { get; init; } = double.NaN;

    /// <summary>The longest GC pause of the last ten seconds, in ms (ours only, from CacheApp's GcPauseWatch; NaN for Go).</summary>
    public double GcPauseMaxLast10sMs { get; init; } = double.NaN;

    /// <summary>The generation that longest pause collected: 0, 1 or 2; -1 when several collections' pauses added up, or none (ours only).</summary>
    public int GcPauseMaxLast10sGeneration { get; init; } = -1;

    /// <summary>Collections of any generation so far (ours only; -1 for Go).</summary>
    public long GcCollections { get; init; } = -1;

    /// <summary>Collections of generation 1 and of generation 2 so far (each also counts in GcCollections; ours only, -1 for Go).</summary>
    public (long Gen1, long Gen2) OlderCollections { get; init; } = (-1, -1);

    /// <summary>Bytes the process has allocated so far (ours only; -1 for Go).</summary>
    public long AllocatedBytes { get; init; } = -1;
}
