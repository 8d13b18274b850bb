namespace SourceApp.Notify;

/// <summary>
/// Told about every committed PUT and DELETE, after the commit. Implementations must return at once and
/// never throw: a notification may be lost, a write must not be.
/// </summary>
public interface IWriteNotifier
{
    void KeyChanged(string key);
}

/// <summary>The notifier when no <c>-notify</c> addresses are configured.</summary>
public sealed class NoWriteNotifier : IWriteNotifier
{
    public void KeyChanged(string key)
    {
    }
}
