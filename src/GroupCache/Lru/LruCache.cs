namespace GroupCache.Lru;

/// <summary>
/// A least-recently-used cache bounded by bytes, where an entry weighs the UTF-8 length of its key
/// plus the length of its value, as groupcache counts them.
/// </summary>
/// <remarks>
/// Exact recency order, not safe for concurrent use: callers that share one lock it themselves.
/// (A group keeps its entries in <see cref="ConcurrentLru"/>, whose reads take no lock.) Every operation
/// is O(1). The list is intrusive (each entry is its own list node) so that an entry costs one object.
/// </remarks>
public sealed class LruCache
{
    private readonly Dictionary<string, LruEntry> _entries = new(StringComparer.Ordinal);
    private LruEntry? _newest;
    private LruEntry? _oldest;

    /// <param name="maxBytes">The budget; 0 means no limit (the owner evicts, as groupcache's group does).</param>
    public LruCache(long maxBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        MaxBytes = maxBytes;
    }

    /// <summary>Called after an entry leaves the cache by eviction or removal (not on replacement).</summary>
    public Action<string, ByteView>? OnEvicted { get; set; }

    public long MaxBytes { get; }

    public int Count => _entries.Count;

    public long Bytes { get; private set; }

    public long Gets { get; private set; }

    public long Hits { get; private set; }

    public long Evictions { get; private set; }

    /// <summary>Adds or replaces <paramref name="key"/>, marks it newest, then evicts the oldest entries over budget.</summary>
    /// <param name="expiresAt">Opaque to the cache: stored and returned by <see cref="TryGet(string, out ByteView, out long)"/>.</param>
    public void Add(string key, ByteView value, long expiresAt = 0)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_entries.TryGetValue(key, out var existing))
        {
            // Replacing: the key is already counted, so only the value's size changes
            // (groupcache counts the key twice here: golang/groupcache#138).
            Bytes += value.Length - existing.Value.Length;
            existing.Value = value;
            existing.ExpiresAt = expiresAt;
            MoveToFront(existing);
        }
        else
        {
            var entry = new LruEntry(key, value, expiresAt, KeyWeight.Of(key));
            _entries.Add(key, entry);
            PushFront(entry);
            Bytes += entry.KeyBytes + value.Length;
        }

        while (MaxBytes > 0 && Bytes > MaxBytes && _oldest is not null)
        {
            RemoveOldest();
        }
    }

    public bool TryGet(string key, out ByteView value) => TryGet(key, out value, out _);

    /// <summary>Looks <paramref name="key"/> up and, when found, marks it newest.</summary>
    public bool TryGet(string key, out ByteView value, out long expiresAt)
    {
        Gets++;
        if (_entries.TryGetValue(key, out var entry))
        {
            Hits++;
            MoveToFront(entry);
            value = entry.Value;
            expiresAt = entry.ExpiresAt;
            return true;
        }

        value = default;
        expiresAt = 0;
        return false;
    }

    /// <summary>Removes <paramref name="key"/> if present.</summary>
    public bool Remove(string key)
    {
        if (!_entries.Remove(key, out var entry))
        {
            return false;
        }

        Unlink(entry);
        Bytes -= entry.KeyBytes + entry.Value.Length;
        OnEvicted?.Invoke(entry.Key, entry.Value);
        return true;
    }

    /// <summary>Evicts the least recently used entry; false when the cache is empty.</summary>
    public bool RemoveOldest()
    {
        if (_oldest is null)
        {
            return false;
        }

        Evictions++;
        return Remove(_oldest.Key);
    }

    public void Clear()
    {
        while (_oldest is not null)
        {
            Remove(_oldest.Key);
        }
    }

    /// <summary>The keys from newest to oldest; for tests and diagnostics.</summary>
    public IEnumerable<string> KeysNewestFirst()
    {
        for (var e = _newest; e is not null; e = e.Older)
        {
            yield return e.Key;
        }
    }

    private void MoveToFront(LruEntry entry)
    {
        if (ReferenceEquals(_newest, entry))
        {
            return;
        }

        Unlink(entry);
        PushFront(entry);
    }

    private void PushFront(LruEntry entry)
    {
        entry.Newer = null;
        entry.Older = _newest;
        if (_newest is not null)
        {
            _newest.Newer = entry;
        }

        _newest = entry;
        _oldest ??= entry;
    }

    private void Unlink(LruEntry entry)
    {
        if (entry.Newer is not null)
        {
            entry.Newer.Older = entry.Older;
        }
        else
        {
            _newest = entry.Older;
        }

        if (entry.Older is not null)
        {
            entry.Older.Newer = entry.Newer;
        }
        else
        {
            _oldest = entry.Newer;
        }

        entry.Newer = null;
        entry.Older = null;
    }

    private sealed class LruEntry(string key, ByteView value, long expiresAt, int keyBytes)
    {
        public readonly string Key = key;
        public readonly int KeyBytes = keyBytes;
        public ByteView Value = value;
        public long ExpiresAt = expiresAt;
        public LruEntry? Newer;
        public LruEntry? Older;
    }
}
