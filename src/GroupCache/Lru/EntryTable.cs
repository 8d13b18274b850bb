namespace GroupCache.Lru;

/// <summary>
/// The index of a <see cref="ConcurrentLru"/>: entries in one array of structs, chained from a
/// power-of-two array of buckets. Replaced whole (under the writers' lock) when it fills up, so a
/// reader that took the old one still walks a consistent, if stale, index.
/// </summary>
internal sealed class EntryTable
{
    public EntryTable(int capacity)
    {
        Entries = new StoreEntry[capacity];
        Buckets = new int[capacity];
        Array.Fill(Buckets, -1);
        Mask = capacity - 1;
    }

    /// <summary>The first entry of each bucket's chain; -1 for none.</summary>
    public int[] Buckets { get; }

    public StoreEntry[] Entries { get; }

    public int Mask { get; }

    public int BucketOf(int hash) => hash & Mask;
}
