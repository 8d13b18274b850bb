namespace CacheApp.Cluster;

/// <summary>
/// The recent changes waiting to be piggy-backed: one claim per member (a newer one replaces the
/// older), each sent a bounded number of times, the least-sent first, at most
/// <paramref name="capacity"/> of them. Not thread-safe: the protocol owns it.
/// </summary>
/// <param name="capacity">
/// The most claims held: the table's size, so that news of every member fits. Rows can leave the
/// table faster than their claims are sent (a peer's gone rows, old enough to be forgotten at the
/// next round), and without a bound each such message grew the queue, and the sort of every send.
/// </param>
internal sealed class BroadcastQueue(int capacity)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _added;

    public int Count => _entries.Count;

    public void Add(MemberDigest digest)
    {
        if (_entries.Count >= capacity && !_entries.ContainsKey(digest.GroupCacheAddr))
        {
            DropOne();
        }

        _entries[digest.GroupCacheAddr] = new Entry(digest, _added++);
    }

    /// <summary>
    /// Up to <paramref name="max"/> claims, fewest transmissions first; each taken counts as sent, and
    /// is dropped after <paramref name="limit"/> sends. Claims about the members in
    /// <paramref name="inMessage"/> are not taken (the message carries those members' current rows
    /// already) but count as sent: else one about this node itself, its refutation, would never be
    /// sent from here, never drop, and keep the node gossiping for ever.
    /// </summary>
    public List<MemberDigest> Take(int max, int limit, IReadOnlyCollection<string> inMessage)
    {
        foreach (string member in inMessage)
        {
            if (_entries.TryGetValue(member, out var carried))
            {
                CountSent(carried, limit);
            }
        }

        var taken = new List<MemberDigest>(Math.Max(0, Math.Min(max, _entries.Count)));
        foreach (var entry in _entries.Values.OrderBy(e => e.Transmits).ThenBy(e => e.Digest.GroupCacheAddr, StringComparer.Ordinal))
        {
            if (taken.Count >= max)
            {
                break;
            }

            if (!inMessage.Contains(entry.Digest.GroupCacheAddr))
            {
                taken.Add(entry.Digest);
                CountSent(entry, limit);
            }
        }

        return taken;
    }

    // Full: the claim sent most often goes (it has had most of its sends), the oldest of those first.
    private void DropOne()
    {
        Entry? drop = null;
        foreach (var entry in _entries.Values)
        {
            if (drop is null || entry.Transmits > drop.Transmits || (entry.Transmits == drop.Transmits && entry.Order < drop.Order))
            {
                drop = entry;
            }
        }

        if (drop is not null)
        {
            _entries.Remove(drop.Digest.GroupCacheAddr);
        }
    }

    private void CountSent(Entry entry, int limit)
    {
        if (++entry.Transmits >= limit)
        {
            _entries.Remove(entry.Digest.GroupCacheAddr);
        }
    }

    private sealed class Entry(MemberDigest digest, long order)
    {
        public MemberDigest Digest { get; } = digest;

        /// <summary>When it was added, in the queue's own count.</summary>
        public long Order { get; } = order;

        public int Transmits { get; set; }
    }
}
