namespace GroupCache;

/// <summary>Expiry times travel between peers as Unix time in nanoseconds (groupcache-go's <c>expire</c> field).</summary>
public static class UnixNanos
{
    private const long NanosPerTick = 100;

    public static long Now(TimeProvider time) => From(time.GetUtcNow());

    public static long From(DateTimeOffset instant) => (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * NanosPerTick;

    public static DateTimeOffset ToDateTimeOffset(long unixNanos) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + (unixNanos / NanosPerTick), TimeSpan.Zero);
}
