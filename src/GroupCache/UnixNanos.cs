namespace GroupCache;

/// <summary>Expiry times travel between peers as Unix time in nanoseconds (groupcache-go's <c>expire</c> field).</summary>
public static class UnixNanos
{
    private const long NanosPerTick = 100;

    /// <summary>The current time of <paramref name="time"/> in Unix nanoseconds.</summary>
    public static long Now(TimeProvider time) => From(time.GetUtcNow());

    /// <summary><paramref name="instant"/> in Unix nanoseconds.</summary>
    public static long From(DateTimeOffset instant) => (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * NanosPerTick;

    /// <summary>The UTC instant of <paramref name="unixNanos"/>.</summary>
    public static DateTimeOffset ToDateTimeOffset(long unixNanos) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + (unixNanos / NanosPerTick), TimeSpan.Zero);
}
