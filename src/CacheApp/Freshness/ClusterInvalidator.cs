using GroupCache;

namespace CacheApp.Freshness;

/// <summary>
/// Makes every ring member forget a key through the library's <see cref="Group.RemoveAsync"/> (all at
/// once, then again once all answered), and counts it for the node's status.
/// </summary>
public sealed class ClusterInvalidator(Group group, InvalidationStats stats)
{
    public async Task<InvalidationResult> InvalidateAsync(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        stats.OnRequested();

        // Not the caller's token: once started, an invalidation is seen through (each peer is
        // bounded by the peer timeout) even if the client that asked for it hangs up.
        var result = await group.RemoveAsync(key, CancellationToken.None).ConfigureAwait(false);
        stats.OnSent(result.Asked - 1); // every member asked but this node

        // A member that cannot forget (a Go node) was sent a DELETE that it did not confirm: it still
        // holds the key, so it fails as an unreached one does. The result keeps the two apart.
        stats.OnFailed(result.Unreached.Count + result.CannotForget.Count);
        return new InvalidationResult(result.Confirmed, result.Asked, result.Unreached, result.CannotForget);
    }
}
