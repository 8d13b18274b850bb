using System.Buffers;
using System.Text;

namespace GroupCache.Lru;

/// <summary>
/// A byte-weighed cache for concurrent use whose reads take no lock: the cache a group keeps its
/// main and hot entries in. An entry weighs its key's UTF-8 length plus its value's length.
/// </summary>
/// <remarks>
/// <para>
/// Keys and values are copied into large slabs and indexed by an array of structs, so the collector
/// sees a few objects per megabyte cached rather than several per entry (docs/STORAGE.md). A value
/// handed out is a view of its slab: slabs are only appended to, never rewritten, and a slab that
/// the cache gives up stays alive for as long as a caller holds a view of it.
/// </para>
/// <para>
/// A read is a lock-free lookup that marks the entry as referenced. Eviction is CLOCK: an oldest
/// entry read since it last reached the end of the list gets a second chance (it moves to the
/// front, unmarked), at most <see cref="SweepLimit"/> of them per eviction, so that the work of one
/// eviction does not grow with the cache. <see cref="LruCache"/> is the exact LRU.
/// </para>
/// <para>
/// Writes (add, remove, evict, expire) take one lock, which also keeps the byte count exact.
/// </para>
/// </remarks>
public sealed partial class ConcurrentLru
{
    /// <summary>The most entries one eviction gives a second chance to before it evicts regardless.</summary>
    internal const int SweepLimit = 64;

    // Optimistic reads that keep meeting a writer give up and look under the lock.
    private const int OptimisticTries = 4;

    private readonly Lock _lock = new(); // guards every write to the index, the list, the slabs and the counts
    private readonly TimeProvider _time;
    private readonly EntryTable _table = new(); // grows in place, never replaced
    private long _bytes;
    private int _count;
    private long _gets;
    private long _hits;
    private long _evictions;
    private long _expirations;

    /// <summary>An empty cache.</summary>
    /// <param name="time">The clock expiry is measured with; null for the system clock.</param>
    public ConcurrentLru(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>The bytes the entries weigh (keys and values).</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>The number of entries.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>How many entries the last eviction looked at (spared ones and the victim); for tests.</summary>
    internal int LastEvictionExamined { get; private set; }

    /// <summary>The most entries and bucket heads any one add copied to grow the index; for tests.</summary>
    internal int MostCopiedByOneAdd { get; private set; }

    /// <summary>The most entries any one add moved between bucket chains; for tests.</summary>
    internal int MostRelinkedByOneAdd { get; private set; }

    /// <summary>The buckets the index has now; for tests.</summary>
    internal int BucketCount
    {
        get
        {
            lock (_lock)
            {
                return _table.BucketCount;
            }
        }
    }

    /// <summary>
    /// Looks <paramref name="key"/> up without locking. An entry past its expiry (Unix nanoseconds;
    /// 0 is never) is a miss, and is dropped. The value stays valid for as long as it is held.
    /// </summary>
    public bool TryGet(string key, out ByteView value, out long expiresAt)
    {
        ArgumentNullException.ThrowIfNull(key);
        Interlocked.Increment(ref _gets);
        int hash = key.GetHashCode();
        Found found = default;
        bool hit = false;
        bool settled = false;
        for (int attempt = 0; attempt < OptimisticTries && !settled; attempt++)
        {
            settled = TryFindOptimistic(key, hash, out hit, out found);
        }

        if (!settled)
        {
            lock (_lock)
            {
                hit = TryFindLocked(key, hash, KeyWeight.Of(key), out found);
            }
        }

        if (hit)
        {
            if (found.ExpiresAt == 0 || found.ExpiresAt > UnixNanos.Now(_time))
            {
                // Written only when it changes, so that hot keys read by every core do not keep
                // their entry's cache line bouncing between them. A lost update costs one second chance.
                ref byte referenced = ref found.Chunk[found.Slot].Referenced;
                if (referenced == 0)
                {
                    referenced = 1;
                }

                Interlocked.Increment(ref _hits);
                value = found.Value;
                expiresAt = found.ExpiresAt;
                return true;
            }

            RemoveExpired(found.Index, found.Version);
        }

        value = default;
        expiresAt = 0;
        return false;
    }

    /// <summary>A snapshot of the cache's counters.</summary>
    public CacheStats Stats()
    {
        lock (_lock)
        {
            return new CacheStats(_bytes, _count, Volatile.Read(ref _gets), Volatile.Read(ref _hits), _evictions, Volatile.Read(ref _expirations));
        }
    }

    /// <summary>The keys from newest to oldest by list order (reads since the last eviction are not reflected); for tests.</summary>
    public IReadOnlyList<string> KeysNewestFirst()
    {
        lock (_lock)
        {
            var keys = new List<string>(_count);
            for (int i = _newest; i >= 0; i = _table.Entry(i).Older)
            {
                ref var e = ref _table.Entry(i);
                keys.Add(Encoding.UTF8.GetString(_slabs[e.Slab]!, e.Offset, e.KeyBytes));
            }

            MostWalkedInOneHold = Math.Max(MostWalkedInOneHold, keys.Count);
            return keys;
        }
    }

    /// <summary>
    /// One pass over the key's chain without the lock. False when a writer changed an entry while it
    /// was read (try again); otherwise <paramref name="hit"/> says whether the key was found.
    /// </summary>
    private bool TryFindOptimistic(string key, int hash, out bool hit, out Found found)
    {
        hit = false;
        found = default;
        var table = _table;
        int layout = table.LayoutVersion;
        if ((layout & 1) != 0)
        {
            return false;
        }

        // The layout and the chunks are read after the layout version and checked before use: a
        // writer may have changed any of them since, and an index may reach past what was read.
        int bucket = EntryTable.BucketOf(hash, table.LowMask, table.Split);
        var buckets = table.BucketChunks;
        var chunks = table.EntryChunks;
        if ((uint)(bucket >> EntryTable.ChunkShift) >= (uint)buckets.Length)
        {
            return false;
        }

        var bucketChunk = buckets[bucket >> EntryTable.ChunkShift];
        int slot = bucket & EntryTable.ChunkMask;
        if ((uint)slot >= (uint)bucketChunk.Length)
        {
            return false;
        }

        int i = Volatile.Read(ref bucketChunk[slot]);
        int maxSteps = chunks.Length << EntryTable.ChunkShift;
        for (int steps = 0; i >= 0; steps++)
        {
            if (steps > maxSteps || (uint)(i >> EntryTable.ChunkShift) >= (uint)chunks.Length)
            {
                return false; // chains were relinked, or the index grew, under us
            }

            var chunk = chunks[i >> EntryTable.ChunkShift];
            int entrySlot = i & EntryTable.ChunkMask;
            if ((uint)entrySlot >= (uint)chunk.Length)
            {
                return false;
            }

            ref var e = ref chunk[entrySlot];
            int version = Volatile.Read(ref e.Version);
            if ((version & 1) != 0)
            {
                return false;
            }

            // Every field is read with acquire semantics, so the second read of the version
            // cannot happen before them: equal versions mean the fields belong together.
            int next = Volatile.Read(ref e.NextInBucket);
            bool match = false;
            // The key's UTF-8 length is not worked out up front: the stored length is compared
            // with the string's by KeyEquals, which only encodes for keys that are not ASCII.
            if (Volatile.Read(ref e.Hash) == hash && Volatile.Read(ref e.InUse))
            {
                int keyBytes = Volatile.Read(ref e.KeyBytes);
                int slab = Volatile.Read(ref e.Slab);
                int offset = Volatile.Read(ref e.Offset);
                int valueBytes = Volatile.Read(ref e.ValueBytes);
                long expiresAt = Volatile.Read(ref e.ExpiresAt);

                // The slab table is read after the entry's version, not with the layout: a writer
                // that grows it stops updating the old copy, so a number read through a copy taken
                // before the growth could name a slab since dropped and reused (a value never
                // stored). Read now, the table holds this record's slab for as long as the entry's
                // version stays what it was.
                var slabs = Volatile.Read(ref _slabs);
                byte[]? bytes = (uint)slab < (uint)slabs.Length ? Volatile.Read(ref slabs[slab]) : null;
                if (bytes is null || offset < 0 || keyBytes < 0 || valueBytes < 0 || (long)offset + keyBytes + valueBytes > bytes.Length)
                {
                    return false; // torn: a writer is moving this entry
                }

                match = KeyEquals(bytes.AsSpan(offset, keyBytes), key, keyBytes);
                found = new Found(chunk, entrySlot, i, version, new ByteView(new ReadOnlyMemory<byte>(bytes, offset + keyBytes, valueBytes)), expiresAt);
            }

            if (Volatile.Read(ref e.Version) != version)
            {
                return false;
            }

            // Trusted only if the layout held across the walk: a split may have carried this walk
            // onto another chain (a false miss), and a replaced first chunk is a stale copy.
            if (match)
            {
                hit = true;
                return table.LayoutVersion == layout;
            }

            i = next;
        }

        found = default;
        return table.LayoutVersion == layout;
    }

    /// <summary>Finds the key's entry; the caller holds the lock.</summary>
    private bool TryFindLocked(string key, int hash, int keyBytes, out Found found)
    {
        int i = IndexOfLocked(key, hash, keyBytes);
        if (i < 0)
        {
            found = default;
            return false;
        }

        var chunk = _table.EntryChunks[i >> EntryTable.ChunkShift];
        ref var e = ref chunk[i & EntryTable.ChunkMask];
        var bytes = _slabs[e.Slab]!;
        found = new Found(chunk, i & EntryTable.ChunkMask, i, e.Version, new ByteView(new ReadOnlyMemory<byte>(bytes, e.Offset + e.KeyBytes, e.ValueBytes)), e.ExpiresAt);
        return true;
    }

    private int IndexOfLocked(string key, int hash, int keyBytes)
    {
        for (int i = _table.Head(hash); i >= 0; i = _table.Entry(i).NextInBucket)
        {
            ref var e = ref _table.Entry(i);
            if (e.InUse && e.Hash == hash && e.KeyBytes == keyBytes && KeyEquals(_slabs[e.Slab].AsSpan(e.Offset, keyBytes), key, keyBytes))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>True when <paramref name="stored"/> is the UTF-8 encoding of <paramref name="key"/>.</summary>
    private static bool KeyEquals(ReadOnlySpan<byte> stored, string key, int keyBytes)
    {
        // A UTF-8 length equal to the char count means ASCII on the stored side; Ascii.Equals
        // is false when the string has any other char, as it then encodes to more bytes.
        if (keyBytes == key.Length)
        {
            return Ascii.Equals(stored, key);
        }

        // Strictly (StrictUtf8): a key with a lone surrogate is never stored and equals no stored key.
        return StrictUtf8.IsEncodingOf(stored, key);
    }

    /// <summary>
    /// Throws, before anything changes, when <paramref name="key"/> holds a lone surrogate: its UTF-8
    /// (with U+FFFD in its place) would be another key's, so it could not be stored as itself.
    /// </summary>
    private static void ThrowIfNoUtf8Form(string key, int keyBytes)
    {
        if (keyBytes == key.Length)
        {
            return; // ASCII: no surrogates
        }

        var rest = key.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(rest, out _, out int used) != OperationStatus.Done)
            {
                throw new ArgumentException("The key holds a lone surrogate: it has no UTF-8 form, which is how the cache stores and compares keys.", nameof(key));
            }

            rest = rest[used..];
        }
    }

    /// <summary>An entry as a read found it: where (its chunk and slot, for the reference bit), at which version, and what it held.</summary>
    private readonly record struct Found(StoreEntry[] Chunk, int Slot, int Index, int Version, ByteView Value, long ExpiresAt);
}
