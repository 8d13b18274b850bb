using GroupCache;
using GroupCache.Http;

namespace CacheApp.Freshness;

/// <summary>
/// Makes every ring member forget a key: the owner first, then all the others at once, and
/// answers once each confirmed or its peer timeout passed.
/// </summary>
/// <remarks>
/// The order matters. A non-owner that forgot the key but asked the owner before the owner forgot
/// it would get the old value back and could mirror it in its hot cache, where it would outlive the
/// invalidation. With the owner done first, any load a non-owner starts after its own removal
/// reaches an owner that has already forgotten the key; loads it started before are discarded by
/// its group's per-key generation.
/// </remarks>
public sealed partial class ClusterInvalidator(Group group, HttpPool pool, InvalidationStats stats, ILogger<ClusterInvalidator> logger)
{
    public async Task<InvalidationResult> InvalidateAsync(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        stats.OnRequested();
        var ring = pool.Peers;
        string? owner = pool.OwnerOf(key);
        if (owner is null || !ring.Contains(pool.Self))
        {
            // No ring yet (or this node is not on it): this node's caches still must not keep the key.
            group.Remove(key);
        }

        if (owner is null)
        {
            return new InvalidationResult(1, 1, []);
        }

        var unreached = new List<string>();
        int confirmed = 0;
        if (await RemoveAtAsync(owner, key).ConfigureAwait(false))
        {
            confirmed++;
        }
        else
        {
            unreached.Add(owner);
        }

        var others = ring.Where(p => p != owner).ToArray();
        bool[] results = await Task.WhenAll(others.Select(p => RemoveAtAsync(p, key))).ConfigureAwait(false);
        for (int i = 0; i < others.Length; i++)
        {
            if (results[i])
            {
                confirmed++;
            }
            else
            {
                unreached.Add(others[i]);
            }
        }

        if (unreached.Count > 0)
        {
            LogUnreached(logger, key, confirmed, others.Length + 1, string.Join(", ", unreached));
        }

        return new InvalidationResult(confirmed, others.Length + 1, unreached);
    }

    private async Task<bool> RemoveAtAsync(string peer, string key)
    {
        if (peer == pool.Self)
        {
            group.Remove(key);
            return true;
        }

        stats.OnSent();

        // Not the caller's token: once started, an invalidation is seen through (each peer is
        // bounded by the peer timeout) even if the client that asked for it hangs up.
        bool ok = await pool.ClientFor(peer).RemoveAsync(group.Name, key, CancellationToken.None).ConfigureAwait(false);
        if (!ok)
        {
            stats.OnFailed();
        }

        return ok;
    }

    [LoggerMessage(500, LogLevel.Warning, "Invalidation of {Key} confirmed by {Confirmed} of {RingSize} members; not reached: {Unreached}")]
    private static partial void LogUnreached(ILogger logger, string key, int confirmed, int ringSize, string unreached);
}
