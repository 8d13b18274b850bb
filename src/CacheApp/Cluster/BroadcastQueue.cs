namespace CacheApp.Cluster;

/// <summary>
/// The recent changes waiting to be piggy-backed: one claim per member (a newer one replaces the
/// older), each sent a bounded number of times, the least-sent first. Not thread-safe: the
/// protocol owns it.
/// </summary>
internal sealed class BroadcastQueue
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public void Add(MemberDigest digest) => _entries[digest.GroupCacheAddr] = new Entry(digest);

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

    private void CountSent(Entry entry, int limit)
    {
        if (++entry.Transmits >= limit)
        {
            _entries.Remove(entry.Digest.GroupCacheAddr);
        }
    }

    private sealed class Entry(MemberDigest digest)
    {
        public MemberDigest Digest { get; } = digest;

        public int Transmits { get; set; }
    }
}
