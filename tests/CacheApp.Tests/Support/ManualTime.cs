namespace CacheApp.Tests.Support;

/// <summary>A clock that moves only when a test says so: forward, or back (a negative span) as a wall clock stepped back.</summary>
internal sealed class ManualTime : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
