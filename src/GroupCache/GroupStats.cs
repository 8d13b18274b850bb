namespace GroupCache;

/// <summary>A group's counters, named as golang/groupcache names them. Safe to read at any time.</summary>
public sealed class GroupStats
{
    internal long _gets;
    internal long _cacheHits;
    internal long _peerLoads;
    internal long _peerErrors;
    internal long _loads;
    internal long _loadsDeduped;
    internal long _localLoads;
    internal long _localLoadErrs;
    internal long _serverRequests;

    /// <summary>Every get request, including those from peers.</summary>
    public long Gets => Volatile.Read(ref _gets);

    /// <summary>Gets answered from the main or hot cache.</summary>
    public long CacheHits => Volatile.Read(ref _cacheHits);

    /// <summary>Remote loads that succeeded.</summary>
    public long PeerLoads => Volatile.Read(ref _peerLoads);

    /// <summary>Remote loads that failed (the key was then loaded locally).</summary>
    public long PeerErrors => Volatile.Read(ref _peerErrors);

    /// <summary>Gets that missed the cache: Gets - CacheHits.</summary>
    public long Loads => Volatile.Read(ref _loads);

    /// <summary>Loads after singleflight: each is one real fetch from a peer or the getter.</summary>
    public long LoadsDeduped => Volatile.Read(ref _loadsDeduped);

    /// <summary>Successful loads through the getter.</summary>
    public long LocalLoads => Volatile.Read(ref _localLoads);

    /// <summary>Failed loads through the getter (not-found included, as in groupcache).</summary>
    public long LocalLoadErrs => Volatile.Read(ref _localLoadErrs);

    /// <summary>Gets that came over the network from peers.</summary>
    public long ServerRequests => Volatile.Read(ref _serverRequests);
}

/// <summary>A snapshot of one of a group's caches.</summary>
public readonly record struct CacheStats(long Bytes, long Items, long Gets, long Hits, long Evictions, long Expirations);

/// <summary>Which of a group's caches.</summary>
public enum CacheType
{
    /// <summary>Keys this node owns (or loaded because the owner failed).</summary>
    Main,

    /// <summary>Popular keys owned by other nodes, mirrored here to spare the owner.</summary>
    Hot,
}
