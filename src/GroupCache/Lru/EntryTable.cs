namespace GroupCache.Lru;

/// <summary>
/// The index of a <see cref="ConcurrentLru"/>: entries in fixed-size chunks of structs, chained from
/// buckets that are also kept in chunks and grow one bucket at a time (linear hashing). Nothing in
/// it is ever rebuilt whole, so no single add does work that grows with the number of entries
/// (docs/STORAGE.md, "Index growth").
/// </summary>
/// <remarks>
/// <para>
/// Only writers (under the cache's lock) call the methods that change it. Lock-free readers take
/// the chunk arrays and the bucket layout through the volatile properties and must check every
/// index against what they took: a chunk they reach may be newer than the array they read.
/// </para>
/// <para>
/// A split moves entries from one chain to another without touching the entries' versions, so a
/// reader that was walking that chain may step onto the wrong one: a hit it finds is still right
/// (the key matched and the entry's version held), but a miss is only trusted when
/// <see cref="LayoutVersion"/> was even and unchanged across the walk (a sequence lock over the layout).
/// </para>
/// </remarks>
internal sealed class EntryTable
{
    public const int ChunkShift = 14;
    public const int ChunkSize = 1 << ChunkShift; // 16,384 entries (768 KiB) or buckets (64 KiB)
    public const int ChunkMask = ChunkSize - 1;
    private const int FirstCapacity = 16;

    private StoreEntry[][] _entryChunks = [new StoreEntry[FirstCapacity]];
    private int[][] _bucketChunks = [NewBuckets(2 * FirstCapacity)];
    private int _bucketCapacity = 2 * FirstCapacity;
    private int _lowMask = FirstCapacity - 1; // a round starts with lowMask + 1 buckets...
    private int _split;                        // ...and those below _split are split already (they use the next mask)
    private int _layoutVersion;                // odd while a split or a copy is under way

    /// <summary>How many entries fit before the next chunk (or, while there is one, a bigger first chunk).</summary>
    public int EntryCapacity { get; private set; } = FirstCapacity;

    /// <summary>Buckets in use: the chains the entries hash to.</summary>
    public int BucketCount => _lowMask + 1 + _split;

    /// <summary>Entries and bucket heads copied since the counter was last reset; for tests.</summary>
    public int Copied { get; set; }

    /// <summary>Entries moved from one chain to another since the counter was last reset; for tests.</summary>
    public int Relinked { get; set; }

    public StoreEntry[][] EntryChunks => Volatile.Read(ref _entryChunks);

    public int[][] BucketChunks => Volatile.Read(ref _bucketChunks);

    public int LayoutVersion => Volatile.Read(ref _layoutVersion);

    public int LowMask => Volatile.Read(ref _lowMask);

    public int Split => Volatile.Read(ref _split);

    /// <summary>The bucket a hash belongs in, given a layout (readers pass what they read).</summary>
    public static int BucketOf(int hash, int lowMask, int split)
    {
        int bucket = hash & lowMask;
        return bucket < split ? hash & ((lowMask << 1) | 1) : bucket;
    }

    /// <summary>The entry at <paramref name="index"/>; writers only.</summary>
    public ref StoreEntry Entry(int index) => ref _entryChunks[index >> ChunkShift][index & ChunkMask];

    /// <summary>The first entry of the chain <paramref name="hash"/> belongs in (-1 for none); writers only.</summary>
    public ref int Head(int hash) => ref BucketAt(BucketOf(hash, _lowMask, _split));

    /// <summary>Makes room for entry <see cref="EntryCapacity"/>; called when every entry is handed out.</summary>
    public void GrowEntries()
    {
        if (EntryCapacity < ChunkSize)
        {
            // Small caches keep one small chunk, doubled while it is under a chunk's size: a copy of
            // at most half a chunk, not of the cache.
            var bigger = new StoreEntry[EntryCapacity * 2];
            BeginLayoutChange();
            Array.Copy(_entryChunks[0], bigger, EntryCapacity);
            Volatile.Write(ref _entryChunks, [bigger]);
            EndLayoutChange();
            Copied += EntryCapacity;
            EntryCapacity = bigger.Length;
            return;
        }

        // Existing chunks stay where they are; only the array of references to them is copied
        // when full (one reference per 16,384 entries), and readers still holding the old array
        // see every entry it reaches unchanged.
        Volatile.Write(ref _entryChunks, Append(_entryChunks, new StoreEntry[ChunkSize]));
        EntryCapacity += ChunkSize;
    }

    /// <summary>
    /// Splits the next bucket in linear-hashing order: its chain is divided between itself and the
    /// bucket one round above, so the table gains one bucket for the price of one chain.
    /// </summary>
    public void SplitOne()
    {
        int round = _lowMask + 1;
        int from = _split;
        int to = from + round;
        EnsureBucket(to);

        ref int fromHead = ref BucketAt(from);
        ref int toHead = ref BucketAt(to);
        BeginLayoutChange();

        // Each chain keeps its order; entries whose next hash bit is set go to the new bucket.
        int stayTail = -1;
        int moveTail = -1;
        for (int i = fromHead; i >= 0;)
        {
            ref var e = ref Entry(i);
            int next = e.NextInBucket;
            if ((e.Hash & round) == 0)
            {
                Link(ref fromHead, stayTail, i);
                stayTail = i;
            }
            else
            {
                Link(ref toHead, moveTail, i);
                moveTail = i;
                Relinked++;
            }

            i = next;
        }

        EndChain(ref fromHead, stayTail);
        EndChain(ref toHead, moveTail);
        if (from + 1 == round)
        {
            Volatile.Write(ref _split, 0);
            Volatile.Write(ref _lowMask, (round << 1) - 1);
        }
        else
        {
            Volatile.Write(ref _split, from + 1);
        }

        EndLayoutChange();
    }

    private static int[] NewBuckets(int length)
    {
        var buckets = new int[length];
        Array.Fill(buckets, -1);
        return buckets;
    }

    private static T[][] Append<T>(T[][] chunks, T[] chunk)
    {
        var grown = new T[chunks.Length + 1][];
        chunks.CopyTo(grown, 0);
        grown[^1] = chunk;
        return grown;
    }

    private ref int BucketAt(int bucket) => ref _bucketChunks[bucket >> ChunkShift][bucket & ChunkMask];

    private void EnsureBucket(int bucket)
    {
        if (bucket < _bucketCapacity)
        {
            return;
        }

        if (_bucketCapacity < ChunkSize)
        {
            var bigger = NewBuckets(_bucketCapacity * 2);
            BeginLayoutChange();
            Array.Copy(_bucketChunks[0], bigger, _bucketCapacity);
            Volatile.Write(ref _bucketChunks, [bigger]);
            EndLayoutChange();
            Copied += _bucketCapacity;
            _bucketCapacity = bigger.Length;
            return;
        }

        // A new chunk's buckets are empty and no layout reaches them yet: no layout change.
        Volatile.Write(ref _bucketChunks, Append(_bucketChunks, NewBuckets(ChunkSize)));
        _bucketCapacity += ChunkSize;
    }

    /// <summary>Appends entry <paramref name="index"/> to a chain being rebuilt, after <paramref name="tail"/> (-1: as its head).</summary>
    private void Link(ref int head, int tail, int index)
    {
        if (tail < 0)
        {
            Volatile.Write(ref head, index);
        }
        else
        {
            Volatile.Write(ref Entry(tail).NextInBucket, index);
        }
    }

    private void EndChain(ref int head, int tail)
    {
        if (tail < 0)
        {
            Volatile.Write(ref head, -1);
        }
        else
        {
            Volatile.Write(ref Entry(tail).NextInBucket, -1);
        }
    }

    private void BeginLayoutChange() => Interlocked.Increment(ref _layoutVersion);

    private void EndLayoutChange() => Volatile.Write(ref _layoutVersion, _layoutVersion + 1);
}
