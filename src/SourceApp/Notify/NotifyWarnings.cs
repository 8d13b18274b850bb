using GroupCache.Logging;
using Microsoft.Extensions.Logging;

namespace SourceApp.Notify;

/// <summary>
/// The notifiers' warnings, each kind at most once per <see cref="Interval"/> with the number held
/// back since: a cache node that is down fails the notification of every write until it returns, and
/// a busy source must not write a warning per write for it.
/// </summary>
internal sealed class NotifyWarnings(ILogger logger, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly RateLimiter _unreached = new(time, Interval);
    private readonly RateLimiter _retryQueueFull = new(time, Interval);
    private readonly RateLimiter _queueFull = new(time, Interval);
    private readonly RateLimiter _dropped = new(time, Interval);

    public void Unreached(string key, IReadOnlyList<Uri> nodes)
    {
        if (logger.IsEnabled(LogLevel.Warning) && _unreached.TryAcquire(out long suppressed))
        {
            Log.NotifyUnreached(logger, key, string.Join(", ", nodes), suppressed);
        }
    }

    /// <summary>A key given up stays stale in the caches until it expires: each one is named at Debug, so that an operator can invalidate them by hand.</summary>
    public void Dropped(string key, int attempts)
    {
        if (logger.IsEnabled(LogLevel.Warning) && _dropped.TryAcquire(out long suppressed))
        {
            Log.NotifyDropped(logger, key, attempts, suppressed);
        }
        else
        {
            Log.NotifyDroppedKey(logger, key);
        }
    }

    /// <summary>A key no node's retry queue had room for: named at Debug as <see cref="Dropped"/> keys are.</summary>
    public void RetryQueueFull(Uri node, string key)
    {
        if (logger.IsEnabled(LogLevel.Warning) && _retryQueueFull.TryAcquire(out long suppressed))
        {
            Log.NotifyRetryQueueFull(logger, node.ToString(), key, suppressed);
        }
        else
        {
            Log.NotifyDroppedKey(logger, key);
        }
    }

    /// <summary>A key the queue had no room for: named at Debug as <see cref="Dropped"/> keys are.</summary>
    public void QueueFull(string key)
    {
        if (logger.IsEnabled(LogLevel.Warning) && _queueFull.TryAcquire(out long suppressed))
        {
            Log.NotifyQueueFull(logger, key, suppressed);
        }
        else
        {
            Log.NotifyDroppedKey(logger, key);
        }
    }
}
