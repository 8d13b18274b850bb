namespace CacheApp.Tests.Cluster.Simulation;

/// <summary>The simulator's clock: it jumps to each event's time.</summary>
internal sealed class SimTime : TimeProvider
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public DateTimeOffset Now { get; set; } = Start;

    public TimeSpan Elapsed => Now - Start;

    public override DateTimeOffset GetUtcNow() => Now;
}
