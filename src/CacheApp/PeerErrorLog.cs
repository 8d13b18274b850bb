namespace CacheApp;

/// <summary>
/// Logs peer failures (the key was then loaded locally) at most once per interval, with the number
/// of failures in between: a dead owner fails every request until the ring drops it.
/// </summary>
public sealed partial class PeerErrorLog(ILogger<PeerErrorLog> logger, TimeProvider time)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private long _nextLogAt;
    private long _suppressed;

    public void OnPeerError(string key, Exception error)
    {
        long now = time.GetTimestamp();
        long next = Volatile.Read(ref _nextLogAt);
        if (now < next || Interlocked.CompareExchange(ref _nextLogAt, now + (long)(Interval.TotalSeconds * time.TimestampFrequency), next) != next)
        {
            Interlocked.Increment(ref _suppressed);
            return;
        }

        LogPeerFailed(key, error.Message, Interlocked.Exchange(ref _suppressed, 0));
    }

    [LoggerMessage(400, LogLevel.Warning, "Peer failed for {Key}; loaded locally instead ({Error}); {Suppressed} more such failures since the last message")]
    private partial void LogPeerFailed(string key, string error, long suppressed);
}
