namespace GroupCache;

public sealed partial class Group
{
    // When the hold on hot copies ends, as a TimeProvider timestamp (elapsed time, not the wall
    // clock: a clock stepped forward as a VM resumes, the moment a rejoin flush is likely, must not
    // end the hold at once); long.MinValue: none.
    private long _hotCopiesHeldUntil = long.MinValue;

    /// <summary>
    /// Copies no peer's answer into the hot cache for <paramref name="duration"/> from now (a hold
    /// that already ends later stays as it is). Gets keep asking the owners; only the copies stop.
    /// </summary>
    /// <remarks>
    /// For the moments when a peer may still serve what it kept while it missed removals: after this
    /// node flushed for a partition that healed, a peer that has not flushed yet answers with its old
    /// value, and a copy made from it would outlive that peer's own flush. The same holds for a peer
    /// that has just (re)joined the ring. Hold copies for as long as such peers take to catch up.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is negative.</exception>
    public void HoldHotCopies(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        var time = _options.TimeProvider;
        long now = time.GetTimestamp();
        double ticks = duration.TotalSeconds * time.TimestampFrequency;
        long until = ticks >= long.MaxValue - (double)now ? long.MaxValue : now + (long)ticks;
        long held = Volatile.Read(ref _hotCopiesHeldUntil);
        while (until > held)
        {
            long seen = Interlocked.CompareExchange(ref _hotCopiesHeldUntil, until, held);
            if (seen == held)
            {
                return;
            }

            held = seen;
        }
    }

    /// <summary>Whether <see cref="HoldHotCopies"/> holds copies now.</summary>
    private bool HotCopiesHeld()
    {
        long until = Volatile.Read(ref _hotCopiesHeldUntil);
        return until != long.MinValue && _options.TimeProvider.GetTimestamp() < until;
    }
}
