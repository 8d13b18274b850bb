namespace GroupCache;

public sealed partial class Group
{
    /// <summary>
    /// Forgets every key on this node, as <see cref="Remove"/> forgets one: both caches, and no load
    /// that is in flight now will cache its result. For a node that may have missed invalidations
    /// (it was cut off from the others) and must not keep serving what it holds.
    /// </summary>
    /// <returns>How many entries the caches held.</returns>
    public int Clear()
    {
        // Every stripe moves first: a load that read something before the clear must not cache it after.
        for (int i = 0; i < GenerationStripes; i++)
        {
            Interlocked.Increment(ref _generations[i]);
        }

        int removed = 0;
        foreach (var cache in new[] { _main, _hot })
        {
            foreach (string key in cache.KeysNewestFirst())
            {
                if (Remove(key))
                {
                    removed++;
                }
            }
        }

        // Loads of keys that were not cached are in flight too: after the caches, as Remove does,
        // so that a get that starts after Clear returned loads afresh instead of joining one.
        _flight.ForgetAll();
        _servedFlight.ForgetAll();
        return removed;
    }
}
