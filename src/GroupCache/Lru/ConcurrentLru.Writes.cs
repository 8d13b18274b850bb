namespace GroupCache.Lru;

public sealed partial class ConcurrentLru
{
    private int _newest = -1;
    private int _oldest = -1;
    private int _free = -1; // entries given back, linked through Newer
    private int _used;      // entries ever handed out (the rest of the array is untouched)

    /// <summary>Adds or replaces <paramref name="key"/> as the newest entry. The owner evicts (see <see cref="RemoveOldest"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The key and value weigh more than <see cref="MaxEntryBytes"/>; the cache is left as it was.</exception>
    /// <exception cref="ArgumentException">The key holds a lone surrogate (it has no UTF-8 form); the cache is left as it was.</exception>
    /// <exception cref="OutOfMemoryException">No slab could be allocated: for the record (the key is then not cached, a value it had is gone, and the rest of the cache is as it was), or for the compaction that follows an add (the add is done).</exception>
    public void Add(string key, ByteView value, long expiresAt = 0)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            AddCounted(key, value, expiresAt);
        }
    }

    /// <summary>
    /// Adds unless <paramref name="stillValid"/>, asked under the lock that removals take, says
    /// otherwise: a removal either happens before the check (and the add is skipped) or after the add
    /// (and removes it).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The key and value weigh more than <see cref="MaxEntryBytes"/>; the cache is left as it was.</exception>
    /// <exception cref="ArgumentException">The key holds a lone surrogate (it has no UTF-8 form); the cache is left as it was.</exception>
    /// <exception cref="OutOfMemoryException">No slab could be allocated: for the record (the key is then not cached, a value it had is gone, and the rest of the cache is as it was), or for the compaction that follows an add (the add is done).</exception>
    public bool AddIf(string key, ByteView value, long expiresAt, Func<bool> stillValid)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(stillValid);
        lock (_lock)
        {
            if (!stillValid())
            {
                return false;
            }

            AddCounted(key, value, expiresAt);
            return true;
        }
    }

    /// <summary>Removes <paramref name="key"/>; false when it was not cached.</summary>
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            int i = IndexOfLocked(key, key.GetHashCode(), KeyWeight.Of(key));
            if (i < 0)
            {
                return false;
            }

            RemoveEntry(i);
            CompactIfWasteful();
            return true;
        }
    }

    /// <summary>
    /// Evicts the least recently used entry, as CLOCK approximates it: oldest entries read since
    /// they last reached the end get a second chance first, but at most <see cref="SweepLimit"/> of
    /// them per call. False when the cache is empty.
    /// </summary>
    public bool RemoveOldest()
    {
        lock (_lock)
        {
            // An unbounded sweep gives every entry read since the last one its second chance in a
            // single call: when the whole cache was read, that walks millions of entries while
            // every add, remove and expiry waits on this lock. Past the limit the oldest entry goes
            // even though it was read; the entries spared so far keep their place at the front, so
            // the next calls carry the sweep on where this one stopped.
            int examined = 0;
            while (_secondChancesHeld == 0 && examined < SweepLimit && _oldest >= 0 && _table.Entry(_oldest).Referenced != 0)
            {
                int spared = _oldest;
                _table.Entry(spared).Referenced = 0;
                Unlink(spared);
                PushFront(spared);
                examined++;
            }

            if (_oldest < 0)
            {
                return false;
            }

            LastEvictionExamined = examined + 1;
            RemoveEntry(_oldest);
            _evictions++;
            CompactIfWasteful();
            return true;
        }
    }

    // While above zero, evictions take the oldest entry as it is: a cleared cache's old entries must
    // stay at the old end, behind everything added since, until the clear has removed them.
    private int _secondChancesHeld;

    /// <summary>
    /// Until <see cref="ReleaseSecondChances"/>, evictions give no second chances: an old entry read
    /// recently would otherwise move to the front, behind entries added after a clear began, and
    /// outlive a clear that removes the cache's starting count from the old end.
    /// </summary>
    internal void HoldSecondChances()
    {
        lock (_lock)
        {
            _secondChancesHeld++;
        }
    }

    internal void ReleaseSecondChances()
    {
        lock (_lock)
        {
            _secondChancesHeld--;
        }
    }

    /// <summary>The most entries <see cref="RemoveOldestBatch"/> removes under one hold of the lock.</summary>
    internal const int RemoveBatch = 1024;

    /// <summary>The most entries one hold of the lock walked in <see cref="KeysNewestFirst"/> or <see cref="RemoveOldestBatch"/>; for tests.</summary>
    internal int MostWalkedInOneHold { get; private set; }

    /// <summary>
    /// Removes up to <paramref name="max"/> entries, and never more than <see cref="RemoveBatch"/>,
    /// from the old end of the list (no second chances: this is not an eviction, and is not counted
    /// as one), under one hold of the lock; for <see cref="Group.Clear"/>, which calls it until the
    /// cache is empty, so that adds, removals and expiries wait for one batch at most rather than
    /// for the whole cache. Returns how many it removed: 0 when the cache is empty.
    /// </summary>
    /// <remarks>
    /// No compaction: the oldest entries are removed in a row, so their slabs mostly empty and are
    /// dropped whole; what waste is left, the next add or remove compacts as usual.
    /// </remarks>
    internal int RemoveOldestBatch(int max)
    {
        max = Math.Min(max, RemoveBatch);
        lock (_lock)
        {
            int removed = 0;
            while (removed < max && _oldest >= 0)
            {
                RemoveEntry(_oldest);
                removed++;
            }

            MostWalkedInOneHold = Math.Max(MostWalkedInOneHold, removed);
            return removed;
        }
    }

    /// <summary>Adds under the lock, keeping the most index work any one add did (for tests).</summary>
    private void AddCounted(string key, ByteView value, long expiresAt)
    {
        _table.Copied = 0;
        _table.Relinked = 0;
        AddLocked(key, value, expiresAt);
        MostCopiedByOneAdd = Math.Max(MostCopiedByOneAdd, _table.Copied);
        MostRelinkedByOneAdd = Math.Max(MostRelinkedByOneAdd, _table.Relinked);
    }

    private void AddLocked(string key, ByteView value, long expiresAt)
    {
        int hash = key.GetHashCode();
        int keyBytes = KeyWeight.Of(key);

        // Before anything changes: past this point the old entry is gone and a slot is taken.
        ThrowIfNoUtf8Form(key, keyBytes);
        ThrowIfTooLarge(keyBytes, value.Length);
        int old = IndexOfLocked(key, hash, keyBytes);
        if (old >= 0)
        {
            // Replacing: the old entry goes, the new one counts its key once
            // (groupcache counts it twice here: golang/groupcache#138).
            RemoveEntry(old);
        }

        int index = TakeEntry();
        int slab;
        int offset;
        try
        {
            (slab, offset) = AppendRecord(index, key, keyBytes, value.Span);
        }
        catch
        {
            // No slab for the record (out of memory, most likely for a large record's slab of its
            // own), or the value could not be read: the slot goes back, and the cache is left
            // without the key (its old value was on its way out) but otherwise as it was.
            GiveBack(index);
            throw;
        }

        var table = _table;
        ref var e = ref table.Entry(index);
        BeginWrite(ref e);
        e.ExpiresAt = expiresAt;
        e.Hash = hash;
        e.Slab = slab;
        e.Offset = offset;
        e.KeyBytes = keyBytes;
        e.ValueBytes = value.Length;
        e.Referenced = 0;
        e.InUse = true;
        ref int head = ref table.Head(hash);
        e.NextInBucket = head;
        EndWrite(ref e);
        Volatile.Write(ref head, index); // published whole
        PushFront(index);
        Volatile.Write(ref _bytes, _bytes + keyBytes + value.Length);
        Volatile.Write(ref _count, _count + 1);

        // One bucket per entry at most: the chains stay short on average, and the table grows by
        // one split chain per add instead of a rehash of everything now and then.
        if (_count > table.BucketCount)
        {
            table.SplitOne();
        }

        CompactIfWasteful();
    }

    private void RemoveExpired(int index, int version)
    {
        lock (_lock)
        {
            // Only this very entry: the key may have been loaded again since it was read.
            ref var e = ref _table.Entry(index);
            if (e.InUse && e.Version == version)
            {
                RemoveEntry(index);
                _expirations++;
                CompactIfWasteful();
            }
        }
    }

    /// <summary>Takes an entry out of the index, the list and its slab, and frees it; under the lock.</summary>
    private void RemoveEntry(int index)
    {
        var table = _table;
        ref var e = ref table.Entry(index);
        ref int head = ref table.Head(e.Hash);
        if (head == index)
        {
            Volatile.Write(ref head, e.NextInBucket);
        }
        else
        {
            int before = head;
            while (table.Entry(before).NextInBucket != index)
            {
                before = table.Entry(before).NextInBucket;
            }

            Volatile.Write(ref table.Entry(before).NextInBucket, e.NextInBucket);
        }

        // NextInBucket is left as it was: a reader standing on this entry still reaches the rest
        // of its chain (the changed version tells it that this entry itself is gone).
        BeginWrite(ref e);
        e.InUse = false;
        EndWrite(ref e);
        Unlink(index);
        GiveBack(index);
        ReleaseRecord(e.Slab, RecordHeader + e.KeyBytes + e.ValueBytes);
        Volatile.Write(ref _bytes, _bytes - e.KeyBytes - e.ValueBytes);
        Volatile.Write(ref _count, _count - 1);
    }

    /// <summary>Entries handed out and not given back; equals <see cref="Count"/> unless one leaked; for tests.</summary>
    internal int EntriesTaken
    {
        get
        {
            lock (_lock)
            {
                int free = 0;
                for (int i = _free; i >= 0; i = _table.Entry(i).Newer)
                {
                    free++;
                }

                return _used - free;
            }
        }
    }

    /// <summary>Puts a free entry (not in the index or the list) on the free list.</summary>
    private void GiveBack(int index)
    {
        _table.Entry(index).Newer = _free;
        _free = index;
    }

    private int TakeEntry()
    {
        if (_free >= 0)
        {
            int index = _free;
            _free = _table.Entry(index).Newer;
            return index;
        }

        if (_used == _table.EntryCapacity)
        {
            // A new chunk, never a copy of the entries (past the first, small chunk).
            _table.GrowEntries();
        }

        return _used++;
    }

    /// <summary>Makes the version odd (readers will not trust the entry) before its fields change.</summary>
    private static void BeginWrite(ref StoreEntry e) => Interlocked.Increment(ref e.Version);

    /// <summary>Makes the version even again once every field is written.</summary>
    private static void EndWrite(ref StoreEntry e) => Volatile.Write(ref e.Version, e.Version + 1);

    private void PushFront(int index)
    {
        ref var e = ref _table.Entry(index);
        e.Newer = -1;
        e.Older = _newest;
        if (_newest >= 0)
        {
            _table.Entry(_newest).Newer = index;
        }

        _newest = index;
        if (_oldest < 0)
        {
            _oldest = index;
        }
    }

    private void Unlink(int index)
    {
        ref var e = ref _table.Entry(index);
        if (e.Newer >= 0)
        {
            _table.Entry(e.Newer).Older = e.Older;
        }
        else
        {
            _newest = e.Older;
        }

        if (e.Older >= 0)
        {
            _table.Entry(e.Older).Newer = e.Newer;
        }
        else
        {
            _oldest = e.Newer;
        }

        e.Newer = -1;
        e.Older = -1;
    }
}
