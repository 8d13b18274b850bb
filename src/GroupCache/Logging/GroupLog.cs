using Microsoft.Extensions.Logging;

namespace GroupCache.Logging;

/// <summary>
/// A group's log messages, with stable event ids (1001–1099 belong to the core library). Failures
/// that repeat with every request under load are rate-limited per group and kind.
/// </summary>
internal sealed partial class GroupLog(ILogger logger, TimeProvider time)
{
    /// <summary>How often a failure of one kind is logged at most.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private readonly RateLimiter _peerFailures = new(time, Interval);
    private readonly RateLimiter _loadFailures = new(time, Interval);
    private readonly RateLimiter _removeUnreached = new(time, Interval);
    private readonly RateLimiter _removeUnsupported = new(time, TimeSpan.FromMinutes(10));

    public void PeerFailed(string group, string key, Exception error)
    {
        if (logger.IsEnabled(LogLevel.Warning) && _peerFailures.TryAcquire(out long suppressed))
        {
            LogPeerFailed(logger, group, key, error.Message, suppressed, error);
        }
    }

    public void LoadFailed(string group, string key, Exception error)
    {
        if (logger.IsEnabled(LogLevel.Warning) && _loadFailures.TryAcquire(out long suppressed))
        {
            LogLoadFailed(logger, group, key, error.Message, suppressed, error);
        }
    }

    /// <summary>A member that is down misses every removal until it returns: rate-limited as failures are.</summary>
    public void RemoveUnreached(string group, string key, int confirmed, int asked, IReadOnlyList<string> unreached)
    {
        if (logger.IsEnabled(LogLevel.Warning) && _removeUnreached.TryAcquire(out long suppressed))
        {
            LogRemoveUnreached(logger, group, key, confirmed, asked, string.Join(", ", unreached), suppressed);
        }
    }

    [LoggerMessage(1001, LogLevel.Warning, "Peer failed for key {Key} of group {Group}; loaded locally instead ({Error}); {Suppressed} more such failures since the last message")]
    private static partial void LogPeerFailed(ILogger logger, string group, string key, string error, long suppressed, Exception exception);

    [LoggerMessage(1002, LogLevel.Warning, "Loading key {Key} of group {Group} failed ({Error}); {Suppressed} more such failures since the last message")]
    private static partial void LogLoadFailed(ILogger logger, string group, string key, string error, long suppressed, Exception exception);

    /// <summary>Peers that cannot forget keys (Go nodes): true of every removal, so said once in ten minutes.</summary>
    public void RemoveUnsupported(string group, IReadOnlyList<string> peers)
    {
        if (logger.IsEnabled(LogLevel.Warning) && _removeUnsupported.TryAcquire(out _))
        {
            LogRemoveUnsupported(logger, group, string.Join(", ", peers));
        }
    }

    [LoggerMessage(1004, LogLevel.Warning, "Removals in group {Group} cannot reach what these peers hold: they serve a removal as a get (golang/groupcache) and keep their values until they evict them: {Peers}")]
    private static partial void LogRemoveUnsupported(ILogger logger, string group, string peers);

    [LoggerMessage(1003, LogLevel.Warning, "Removal of key {Key} of group {Group} confirmed by {Confirmed} of {Asked} members; not reached: {Unreached}; {Suppressed} more such removals since the last message")]
    private static partial void LogRemoveUnreached(ILogger logger, string group, string key, int confirmed, int asked, string unreached, long suppressed);
}
