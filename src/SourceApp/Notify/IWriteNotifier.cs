namespace SourceApp.Notify;

/// <summary>
/// Told about every committed PUT and DELETE, after the commit; the write's answer waits for the returned
/// task. Implementations never throw: a notification may be late or lost, a write must not be.
/// </summary>
public interface IWriteNotifier
{
    /// <returns>The cache nodes that did not confirm they forgot the key before the answer (empty: none).</returns>
    ValueTask<IReadOnlyList<Uri>> KeyChangedAsync(string key);

    /// <summary>
    /// Told about a DELETE of a key the source does not hold: nothing changed here, but a cache node
    /// may still hold a value whose invalidation it missed, and this is the client's way to repair
    /// that. Best effort: never queued for retries, and never at the expense of real changes (anyone
    /// allowed to write can send as many of these as they like).
    /// </summary>
    /// <returns>The cache nodes that did not confirm in time (empty: none, or not asked).</returns>
    ValueTask<IReadOnlyList<Uri>> KeyMayBeStaleAsync(string key);
}

/// <summary>The notifier when no <c>-notify</c> addresses are configured.</summary>
public sealed class NoWriteNotifier : IWriteNotifier
{
    public ValueTask<IReadOnlyList<Uri>> KeyChangedAsync(string key) => new([]);

    public ValueTask<IReadOnlyList<Uri>> KeyMayBeStaleAsync(string key) => new([]);
}
