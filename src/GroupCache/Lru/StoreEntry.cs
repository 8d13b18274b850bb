namespace GroupCache.Lru;

/// <summary>
/// One cached entry as <see cref="ConcurrentLru"/> indexes it: where its key and value lie in a
/// slab, its expiry, its links, and no references, so an array of millions of them is one object
/// that the collector never has to scan.
/// </summary>
/// <remarks>
/// Writers change an entry only under the cache's lock, and make <see cref="Version"/> odd while
/// they do; a lock-free reader reads the version before and after the fields it uses and trusts
/// them only when it saw the same even number twice (a sequence lock).
/// </remarks>
internal struct StoreEntry
{
    public long ExpiresAt;
    public int Version;
    public int Hash;

    /// <summary>The next entry in the same bucket; -1 ends the chain.</summary>
    public int NextInBucket;

    /// <summary>Recency list links (writers only); <see cref="Newer"/> also links the free list.</summary>
    public int Newer;
    public int Older;
    public int Slab;

    /// <summary>Where the key starts in the slab; the value follows it.</summary>
    public int Offset;
    public int KeyBytes;
    public int ValueBytes;

    /// <summary>Set by readers without the lock, cleared by eviction: CLOCK's reference bit.</summary>
    public byte Referenced;
    public bool InUse;
}
