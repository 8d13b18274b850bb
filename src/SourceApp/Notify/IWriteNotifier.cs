namespace SourceApp.Notify;

/// <summary>
/// Told about every committed PUT and DELETE, after the commit; the write's answer waits for the returned
/// task. Implementations never throw: a notification may be late or lost, a write must not be.
/// </summary>
public interface IWriteNotifier
{
    /// <returns>The cache nodes that did not confirm they forgot the key before the answer (empty: none).</returns>
    ValueTask<IReadOnlyList<Uri>> KeyChangedAsync(string key);
}

/// <summary>The notifier when no <c>-notify</c> addresses are configured.</summary>
public sealed class NoWriteNotifier : IWriteNotifier
{
    public ValueTask<IReadOnlyList<Uri>> KeyChangedAsync(string key) => new([]);
}
