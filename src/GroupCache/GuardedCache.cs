using GroupCache.Lru;

namespace GroupCache;

/// <summary>
/// One of a group's caches: an <see cref="LruCache"/> behind a lock, with expiry. The critical
/// sections are a dictionary lookup and a few pointer moves, so the lock is held for tens of
/// nanoseconds; reads of the sizes take no lock.
/// </summary>
internal sealed class GuardedCache
{
    private readonly Lock _lock = new(); // guards _lru
    private readonly LruCache _lru = new();
    private readonly TimeProvider _time;
    private long _bytes;
    private long _items;
    private long _expirations;

    public GuardedCache(TimeProvider time) => _time = time;

    public long Bytes => Volatile.Read(ref _bytes);

    public long Items => Volatile.Read(ref _items);

    public bool TryGet(string key, out ByteView value, out long expiresAt)
    {
        lock (_lock)
        {
            if (!_lru.TryGet(key, out value, out expiresAt))
            {
                return false;
            }

            if (expiresAt == 0 || expiresAt > UnixNanos.Now(_time))
            {
                return true;
            }

            // An expired entry is a miss; drop it now rather than let it wait for eviction.
            _lru.Remove(key);
            _expirations++;
            Publish();
        }

        value = default;
        expiresAt = 0;
        return false;
    }

    public void Add(string key, ByteView value, long expiresAt)
    {
        lock (_lock)
        {
            _lru.Add(key, value, expiresAt);
            Publish();
        }
    }

    /// <summary>Adds unless <paramref name="stillValid"/> says otherwise, deciding under the lock that removals take.</summary>
    public bool AddIf(string key, ByteView value, long expiresAt, Func<bool> stillValid)
    {
        lock (_lock)
        {
            if (!stillValid())
            {
                return false;
            }

            _lru.Add(key, value, expiresAt);
            Publish();
            return true;
        }
    }

    public bool Remove(string key)
    {
        lock (_lock)
        {
            bool removed = _lru.Remove(key);
            Publish();
            return removed;
        }
    }

    public bool RemoveOldest()
    {
        lock (_lock)
        {
            bool removed = _lru.RemoveOldest();
            Publish();
            return removed;
        }
    }

    public CacheStats Stats()
    {
        lock (_lock)
        {
            return new CacheStats(_lru.Bytes, _lru.Count, _lru.Gets, _lru.Hits, _lru.Evictions, _expirations);
        }
    }

    private void Publish()
    {
        Volatile.Write(ref _bytes, _lru.Bytes);
        Volatile.Write(ref _items, _lru.Count);
    }
}
