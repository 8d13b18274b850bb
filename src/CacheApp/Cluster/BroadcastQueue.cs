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
        var taken = new List<MemberDigest>(Math.Min(max, _entries.Count));
        if (max <= 0 || _entries.Count == 0)
        {
            return taken;
        }

        foreach (var entry in _entries.Values.OrderBy(e => e.Transmits).ThenBy(e => e.Digest.GroupCacheAddr, StringComparer.Ordinal).ToArray())
        {
            bool already = inMessage.Contains(entry.Digest.GroupCacheAddr);
            if (!already && taken.Count == max)
            {
                continue;
            }

            if (!already)
            {
                taken.Add(entry.Digest);
            }

            if (++entry.Transmits >= limit)
            {
                _entries.Remove(entry.Digest.GroupCacheAddr);
            }
        }

        return taken;
    }

    private sealed class Entry(MemberDigest digest)
    {
        public MemberDigest Digest { get; } = digest;

        public int Transmits { get; set; }
    }
}
