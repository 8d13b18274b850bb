using GroupCache.Lru;
using GroupCache.Peers;

namespace GroupCache;

public sealed partial class Group
{
    // Removals bump the generation of the key's stripe; a load caches its result only if its
    // stripe's generation did not move while it ran, so a load that started before an
    // invalidation cannot put the old value back. Keys that share a stripe merely skip caching.
    private const int GenerationStripes = 1024;
    private readonly long[] _generations = new long[GenerationStripes];

    /// <summary>
    /// Forgets <paramref name="key"/> on this node: main and hot cache, and any load in flight (its
    /// waiters still get its result, but it will not be cached and later callers load afresh).
    /// A get that starts after this returned never gets the value the key had before it was called.
    /// </summary>
    /// <returns>True when a cache held the key.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not well-formed UTF-16 (as for <see cref="GetAsync"/>).</exception>
    public bool Remove(string key)
    {
        ThrowIfNotKey(key);
        var hooks = TestHooks;

        // The order is what makes "no get that starts after Remove returned sees the old value"
        // hold under every interleaving:
        // 1. The generation moves first, so a load that read it earlier can no longer cache what
        //    it loaded (AddIf checks it under the lock that step 2 takes): once a cache is
        //    cleared, nothing older than this Remove can come back into it.
        // 2. The caches are cleared before the flights are forgotten. A flight that anyone can
        //    still join after Remove returned registered after step 3, so its look in the caches
        //    came after step 2 and found nothing old. Forgetting first (the old order) let a flight
        //    register in between, find the old entry still cached, and hand it to later callers.
        // 3. A flight registered before step 3 may have found the old entry or loaded the old
        //    value; it is forgotten here, so only callers that overlapped this Remove share it.
        Interlocked.Increment(ref _generations[StripeOf(key)]);
        hooks?.DuringRemove?.Invoke(key, RemoveStep.GenerationBumped);
        bool fromMain = _main.Remove(key);
        bool fromHot = _hot.Remove(key);
        hooks?.DuringRemove?.Invoke(key, RemoveStep.CachesCleared);
        _flight.Forget(key);
        _servedFlight.Forget(key);
        hooks?.DuringRemove?.Invoke(key, RemoveStep.FlightsForgotten);
        return fromMain || fromHot;
    }

    private static int StripeOf(string key) => (int)((uint)key.GetHashCode() % GenerationStripes);

    /// <summary>One load of <paramref name="key"/>: a cache, else the owner (when <paramref name="forward"/>), else the getter.</summary>
    /// <param name="key">The key.</param>
    /// <param name="forward">False when a peer asked: never ask a third node.</param>
    /// <param name="abandoned">Cancelled when no caller waits for this load any more (the flight's token).</param>
    private async Task<Loaded> LoadOnceAsync(string key, bool forward, CancellationToken abandoned)
    {
        // Singleflight only dedups calls that overlap: two callers can miss the cache one after
        // the other, the second starting its flight just after the first one ended and cached.
        // A hot copy counts only for a load that would ask its owner: a peer's request is answered
        // from the main cache or the getter, never from a mirror, so that a removal's second pass
        // leaves no old value to copy (see RemoveAsync).
        IPeerClient? peer = null;
        bool remoteOwner = forward && _peers.TryPickPeer(key, out peer);
        bool relayed = false;
        bool hit = TryLookupMain(key, out var cached, out long cachedExpiry);
        if (!hit && remoteOwner && TryLookupHot(key, out cached, out cachedExpiry))
        {
            hit = relayed = true;
        }

        if (TestHooks?.AfterFlightCacheCheck is { } afterCacheCheck)
        {
            await afterCacheCheck(key).ConfigureAwait(false);
        }

        if (hit)
        {
            Interlocked.Increment(ref Stats._cacheHits);
            return new Loaded(cached, cachedExpiry, relayed);
        }

        Interlocked.Increment(ref Stats._loadsDeduped);
        int stripe = StripeOf(key);
        long generation = Volatile.Read(ref _generations[stripe]);

        if (remoteOwner)
        {
            PeerResponse response;
            try
            {
                response = await GetFromPeerAsync(peer!, key, abandoned).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (abandoned.IsCancellationRequested)
            {
                // Nobody waits any more: neither the peer's failure nor a reason to load here.
                throw;
            }
            catch (NotFoundException)
            {
                // The owner's answer, not its failure: asking our own source too would only ask twice.
                Interlocked.Increment(ref Stats._peerLoads);
                throw;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref Stats._peerErrors);
                _log.PeerFailed(Name, key, ex);
                response = default;
                peer = null;
            }

            if (peer is not null)
            {
                Interlocked.Increment(ref Stats._peerLoads);

                // Only mirror a fraction of peer loads, so that the hot cache holds the popular keys
                // rather than every key this node has ever asked for; none while copies are held
                // (HoldHotCopies). Checked after the answer came: a hold set while it was on its
                // way still stops the copy.
                if (_options.Random.Next(10) == 0 && !HotCopiesHeld())
                {
                    Populate(_hot, key, response.Value, MirrorExpiry(response.ExpiresAtUnixNanos), stripe, generation);
                }

                return new Loaded(response.Value, response.ExpiresAtUnixNanos, Relayed: true);
            }
        }

        ByteView value;
        try
        {
            value = await GetFromGetterAsync(key, abandoned).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abandoned.IsCancellationRequested)
        {
            // Nobody waits any more: not a failure of the source.
            throw;
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref Stats._localLoadErrs);
            if (ex is not NotFoundException)
            {
                _log.LoadFailed(Name, key, ex);
            }

            throw;
        }

        Interlocked.Increment(ref Stats._localLoads);
        long expiresAt = _options.Ttl > TimeSpan.Zero ? UnixNanos.From(_options.TimeProvider.GetUtcNow() + _options.Ttl) : 0;
        Populate(_main, key, value, expiresAt, stripe, generation);
        return new Loaded(value, expiresAt, Relayed: false);
    }

    /// <summary>
    /// When a hot copy expires: with the owner's copy, and never later than this group's own TTL
    /// from now. An owner that stamps nothing (a golang/groupcache node, or one without a TTL) would
    /// otherwise leave the copy here for good, past the bound the TTL promises.
    /// </summary>
    private long MirrorExpiry(long ownersExpiry)
    {
        if (_options.Ttl <= TimeSpan.Zero)
        {
            return ownersExpiry;
        }

        long own = UnixNanos.From(_options.TimeProvider.GetUtcNow() + _options.Ttl);
        return ownersExpiry == 0 ? own : Math.Min(ownersExpiry, own);
    }

    private void Populate(ConcurrentLru cache, string key, ByteView value, long expiresAt, int stripe, long generation)
    {
        if (CacheBytes <= 0)
        {
            return;
        }

        // The caller gets the value either way. One heavier than the whole budget would be evicted
        // at once (after a copy of it under the cache's lock, and the eviction of everything else),
        // and one whose record no slab can hold would make the add throw and fail a load that worked.
        long weight = (long)KeyWeight.Of(key) + value.Length;
        if (weight > CacheBytes || weight > ConcurrentLru.MaxEntryBytes)
        {
            return;
        }

        try
        {
            if (!cache.AddIf(key, value, expiresAt, () => Volatile.Read(ref _generations[stripe]) == generation))
            {
                return;
            }
        }
        catch (OutOfMemoryException)
        {
            // No slab for the record (a large value's own slab is one array of its size), or for
            // the compaction that follows an add: the cache is left consistent, with or without
            // the key, and the load worked all the same. The budget is still enforced below.
        }

        // Evict until the main and hot caches together fit the budget, from the hot cache while it
        // holds more than an eighth of what the main cache holds.
        while (true)
        {
            long mainBytes = _main.Bytes;
            long hotBytes = _hot.Bytes;
            if (mainBytes + hotBytes <= CacheBytes)
            {
                return;
            }

            var victim = hotBytes > mainBytes / 8 ? _hot : _main;
            var other = ReferenceEquals(victim, _hot) ? _main : _hot;
            if (!victim.RemoveOldest() && !other.RemoveOldest())
            {
                return;
            }
        }
    }
}
