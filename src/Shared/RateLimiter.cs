namespace GroupCache.Logging;

/// <summary>
/// Lets one message through per interval and counts the ones it holds back, so that a dead peer
/// or source, which fails every request until it recovers, costs one log line every few seconds.
/// Compiled into GroupCache and SourceApp (whose notifier meets dead cache nodes the same way).
/// </summary>
internal sealed class RateLimiter(TimeProvider time, TimeSpan interval)
{
    private readonly long _intervalTicks = (long)(interval.TotalSeconds * time.TimestampFrequency);
    private long _nextAt = long.MinValue; // the timestamp from which the next message may pass
    private long _suppressed;

    /// <summary>True when a message may be written now; <paramref name="suppressed"/> is how many were held back since the last.</summary>
    public bool TryAcquire(out long suppressed)
    {
        long now = time.GetTimestamp();
        long next = Volatile.Read(ref _nextAt);
        if (now < next || Interlocked.CompareExchange(ref _nextAt, now + _intervalTicks, next) != next)
        {
            Interlocked.Increment(ref _suppressed);
            suppressed = 0;
            return false;
        }

        suppressed = Interlocked.Exchange(ref _suppressed, 0);
        return true;
    }
}
