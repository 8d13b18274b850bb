namespace CacheApp.Cluster;

/// <summary>
/// The wall clock as membership measures durations by: it never goes back. Every timer of the
/// protocol and the table is a wall-clock time compared with "now" (a probe's start, a suspicion's,
/// the next round); after a step back (NTP, an operator, a VM's clock set again on resume) those
/// lay in the future, and for as long as the step the node started no round, suspected and declared
/// no one: a dead member stayed on its ring. A step back is absorbed instead: from then on this
/// clock runs that much ahead of the wall clock, at its pace. (A step forward is taken as it comes:
/// it cannot be told from a process that was frozen, which the table handles.) Durations are
/// measured on this clock; the rounds are still numbered by the wall clock (<see cref="OnTheWall"/>),
/// which a step back usually corrects to agree with the other nodes' again.
/// </summary>
internal sealed class SteadyClock : TimeProvider
{
    private readonly TimeProvider _wall;
    private readonly Lock _lock = new();
    private TimeSpan _absorbed; // the steps back so far
    private DateTimeOffset _last = DateTimeOffset.MinValue;

    private SteadyClock(TimeProvider wall) => _wall = wall;

    public override TimeZoneInfo LocalTimeZone => _wall.LocalTimeZone;

    public override long TimestampFrequency => _wall.TimestampFrequency;

    /// <summary><paramref name="time"/> itself when it is one already, so that wrapping twice changes nothing.</summary>
    public static SteadyClock Over(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return time as SteadyClock ?? new SteadyClock(time);
    }

    public override DateTimeOffset GetUtcNow()
    {
        var wall = _wall.GetUtcNow();
        lock (_lock)
        {
            var now = wall + _absorbed;
            if (now < _last)
            {
                _absorbed += _last - now;
                now = _last;
            }

            _last = now;
            return now;
        }
    }

    /// <summary>
    /// What the wall clock called <paramref name="steady"/>, a time this clock gave, given the steps
    /// back absorbed so far: the time the other nodes' clocks agree on (they number the rounds by it).
    /// </summary>
    public DateTimeOffset OnTheWall(DateTimeOffset steady)
    {
        lock (_lock)
        {
            return steady - _absorbed;
        }
    }

    public override long GetTimestamp() => _wall.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _wall.CreateTimer(callback, state, dueTime, period);
}
