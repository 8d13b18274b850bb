using System.Collections.Concurrent;

namespace GroupCache.Lru;

/// <summary>
/// A byte-weighed cache for concurrent use whose reads take no lock: the cache a group keeps its
/// main and hot entries in. An entry weighs its key's UTF-8 length plus its value's length.
/// </summary>
/// <remarks>
/// <para>
/// A read is a lock-free dictionary lookup that marks the entry as referenced. Moving the entry to
/// the front of the recency list would need a lock on every hit, so the list is instead reordered
/// when something must be evicted: an oldest entry that was read since it last reached the end of
/// the list gets a second chance (it moves to the front, unmarked) and the next one is looked at.
/// This is the CLOCK approximation of least-recently-used, with the work of one eviction bounded
/// (see <see cref="RemoveOldest"/>); <see cref="LruCache"/> is the exact one.
/// </para>
/// <para>
/// Writes (add, remove, evict) take one lock, which also keeps the byte count exact. An entry never
/// changes once published: replacing a key publishes a new entry, so a reader sees a value and its
/// expiry together.
/// </para>
/// </remarks>
public sealed class ConcurrentLru
{
    /// <summary>The most entries one eviction gives a second chance to before it evicts regardless.</summary>
    internal const int SweepLimit = 64;

    private readonly ConcurrentDictionary<string, Entry> _map = new(StringComparer.Ordinal);
    private readonly Lock _lock = new(); // guards every change to _map and _list, and the writes of _bytes and _count
    private readonly TimeProvider _time;
    private RecencyList<Entry> _list;
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

    /// <summary>
    /// Looks <paramref name="key"/> up without locking. An entry past its expiry (Unix nanoseconds;
    /// 0 is never) is a miss, and is dropped.
    /// </summary>
    public bool TryGet(string key, out ByteView value, out long expiresAt)
    {
        Interlocked.Increment(ref _gets);
        if (_map.TryGetValue(key, out var entry))
        {
            if (entry.ExpiresAt == 0 || entry.ExpiresAt > UnixNanos.Now(_time))
            {
                // Written only when it changes, so that hot keys read by every core do not keep
                // their entry's cache line bouncing between them.
                if (!entry.Referenced)
                {
                    entry.Referenced = true;
                }

                Interlocked.Increment(ref _hits);
                value = entry.Value;
                expiresAt = entry.ExpiresAt;
                return true;
            }

            RemoveExpired(entry);
        }

        value = default;
        expiresAt = 0;
        return false;
    }

    /// <summary>Adds or replaces <paramref name="key"/> as the newest entry. The owner evicts (see <see cref="RemoveOldest"/>).</summary>
    public void Add(string key, ByteView value, long expiresAt = 0)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            AddLocked(key, value, expiresAt);
        }
    }

    /// <summary>
    /// Adds unless <paramref name="stillValid"/>, asked under the lock that removals take, says
    /// otherwise: a removal either happens before the check (and the add is skipped) or after the add
    /// (and removes it).
    /// </summary>
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

            AddLocked(key, value, expiresAt);
            return true;
        }
    }

    /// <summary>Removes <paramref name="key"/>; false when it was not cached.</summary>
    public bool Remove(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            if (!_map.TryRemove(key, out var entry))
            {
                return false;
            }

            UnlinkAndUncount(entry);
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
            while (examined < SweepLimit && _list.Oldest is { Referenced: true } spared)
            {
                spared.Referenced = false;
                _list.MoveToFront(spared);
                examined++;
            }

            if (_list.Oldest is not { } victim)
            {
                return false;
            }

            LastEvictionExamined = examined + 1;
            _map.TryRemove(victim.Key, out _);
            UnlinkAndUncount(victim);
            _evictions++;
            return true;
        }
    }

    /// <summary>How many entries the last eviction looked at (spared ones and the victim); for tests.</summary>
    internal int LastEvictionExamined { get; private set; }

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
            for (var e = _list.Newest; e is not null; e = e.Older)
            {
                keys.Add(e.Key);
            }

            return keys;
        }
    }

    private void AddLocked(string key, ByteView value, long expiresAt)
    {
        var entry = new Entry(key, value, expiresAt, KeyWeight.Of(key));
        if (_map.TryGetValue(key, out var old))
        {
            // Replacing: the old entry leaves the list, the new one counts its key once
            // (groupcache counts it twice here: golang/groupcache#138).
            UnlinkAndUncount(old);
        }

        _map[key] = entry;
        _list.PushFront(entry);
        Volatile.Write(ref _bytes, _bytes + entry.Weight);
        Volatile.Write(ref _count, _count + 1);
    }

    private void RemoveExpired(Entry entry)
    {
        lock (_lock)
        {
            // Only this very entry: the key may have been loaded again since it was read.
            if (_map.TryRemove(new KeyValuePair<string, Entry>(entry.Key, entry)))
            {
                UnlinkAndUncount(entry);
                _expirations++;
            }
        }
    }

    private void UnlinkAndUncount(Entry entry)
    {
        _list.Unlink(entry);
        Volatile.Write(ref _bytes, _bytes - entry.Weight);
        Volatile.Write(ref _count, _count - 1);
    }

    private sealed class Entry(string key, ByteView value, long expiresAt, int keyBytes) : RecencyNode<Entry>
    {
        public readonly string Key = key;
        public readonly ByteView Value = value;
        public readonly long ExpiresAt = expiresAt;
        public readonly long Weight = keyBytes + (long)value.Length;

        // Set by readers without the lock, cleared by eviction under it; a lost update only costs
        // one second chance.
        public volatile bool Referenced;
    }
}
