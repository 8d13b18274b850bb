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
    private RecencyList<LruEntry> _list;

    /// <param name="maxBytes">The budget; 0 means no limit (the owner evicts, as groupcache's group does).</param>
    public LruCache(long maxBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        MaxBytes = maxBytes;
    }

    /// <summary>Called after an entry leaves the cache by eviction or removal (not on replacement).</summary>
    public Action<string, ByteView>? OnEvicted { get; set; }

    /// <summary>The byte budget; zero means no limit.</summary>
    public long MaxBytes { get; }

    /// <summary>The number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>The bytes the entries weigh (keys and values).</summary>
    public long Bytes { get; private set; }

    /// <summary>How many lookups were made.</summary>
    public long Gets { get; private set; }

    /// <summary>How many lookups found their key.</summary>
    public long Hits { get; private set; }

    /// <summary>How many oldest entries left the cache to stay within <see cref="MaxBytes"/>.</summary>
    public long Evictions { get; private set; }

    /// <summary>Adds or replaces <paramref name="key"/>, marks it newest, then evicts the oldest entries over budget.</summary>
    /// <param name="key">The entry's key.</param>
    /// <param name="value">The entry's value.</param>
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
            _list.MoveToFront(existing);
        }
        else
        {
            var entry = new LruEntry(key, value, expiresAt, KeyWeight.Of(key));
            _entries.Add(key, entry);
            _list.PushFront(entry);
            Bytes += entry.KeyBytes + value.Length;
        }

        while (MaxBytes > 0 && Bytes > MaxBytes && _list.Oldest is not null)
        {
            RemoveOldest();
        }
    }

    /// <summary>Looks <paramref name="key"/> up and, when found, marks it newest.</summary>
    public bool TryGet(string key, out ByteView value) => TryGet(key, out value, out _);

    /// <summary>Looks <paramref name="key"/> up and, when found, marks it newest.</summary>
    public bool TryGet(string key, out ByteView value, out long expiresAt)
    {
        Gets++;
        if (_entries.TryGetValue(key, out var entry))
        {
            Hits++;
            _list.MoveToFront(entry);
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

        _list.Unlink(entry);
        Bytes -= entry.KeyBytes + entry.Value.Length;
        OnEvicted?.Invoke(entry.Key, entry.Value);
        return true;
    }

    /// <summary>Evicts the least recently used entry; false when the cache is empty.</summary>
    public bool RemoveOldest()
    {
        if (_list.Oldest is null)
        {
            return false;
        }

        Evictions++;
        return Remove(_list.Oldest.Key);
    }

    /// <summary>Removes every entry (calling <see cref="OnEvicted"/> for each).</summary>
    public void Clear()
    {
        while (_list.Oldest is not null)
        {
            Remove(_list.Oldest.Key);
        }
    }

    /// <summary>The keys from newest to oldest; for tests and diagnostics.</summary>
    public IEnumerable<string> KeysNewestFirst()
    {
        for (var e = _list.Newest; e is not null; e = e.Older)
        {
            yield return e.Key;
        }
    }

    private sealed class LruEntry(string key, ByteView value, long expiresAt, int keyBytes) : RecencyNode<LruEntry>
    {
        public readonly string Key = key;
        public readonly int KeyBytes = keyBytes;
        public ByteView Value = value;
        public long ExpiresAt = expiresAt;
    }
}
