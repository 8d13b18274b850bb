namespace GroupCache;

public sealed partial class Group
{
    /// <summary>
    /// Forgets every key on this node, as <see cref="Remove"/> forgets one: both caches, and no load
    /// that is in flight now will cache its result. For a node that may have missed invalidations
    /// (it was cut off from the others) and must not keep serving what it holds.
    /// </summary>
    /// <remarks>
    /// The caches are emptied oldest entry first, a bounded batch per hold of a cache's lock
    /// (<see cref="Lru.ConcurrentLru.RemoveBatch"/> entries), so that gets, adds, removals and
    /// expiries wait for one batch at most, not for the whole cache. Entries added while it runs
    /// come from loads that started after it (older ones cannot cache any more); some of them may
    /// be removed too.
    /// </remarks>
    /// <returns>How many entries the caches held (a key held by both counts in each).</returns>
    public int Clear()
    {
        // Every stripe moves first: a load that read something before the clear must not cache it
        // after, so nothing from before can be added behind the batches below.
        for (int i = 0; i < GenerationStripes; i++)
        {
            Interlocked.Increment(ref _generations[i]);
        }

        int removed = Empty(_main) + Empty(_hot);

        // Loads of keys that were not cached are in flight too: after the caches, as Remove does,
        // so that a get that starts after Clear returned loads afresh instead of joining one.
        _flight.ForgetAll();
        _servedFlight.ForgetAll();
        return removed;
    }

    /// <summary>
    /// Removes as many entries as the cache held when called, oldest first, a batch per lock hold.
    /// Evictions meanwhile give no second chances, so every entry from before stays behind every
    /// entry added since and is among those removed (or evicted first).
    /// </summary>
    private static int Empty(Lru.ConcurrentLru cache)
    {
        int removed = 0;
        cache.HoldSecondChances();
        try
        {
            for (int left = cache.Count; left > 0;)
            {
                int batch = cache.RemoveOldestBatch(left);
                if (batch == 0)
                {
                    break;
                }

                removed += batch;
                left -= batch;
            }
        }
        finally
        {
            cache.ReleaseSecondChances();
        }

        return removed;
    }
}
