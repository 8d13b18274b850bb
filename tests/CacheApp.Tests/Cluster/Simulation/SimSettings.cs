namespace CacheApp.Tests.Cluster.Simulation;

/// <summary>The knobs of one simulated cluster.</summary>
internal sealed record SimSettings
{
    public int Seed { get; init; } = 17;

    /// <summary>The chance that any one request or answer is lost.</summary>
    public double Loss { get; init; }

    /// <summary>One-way delay, uniform between these two.</summary>
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromMilliseconds(1);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The node's round (GOSSIP_INTERVAL) and suspicion floor (MEMBER_DEAD_AFTER), as the node's defaults.</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MinSuspicion { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>MEMBER_FORGET_AFTER: how long dead and departed rows are kept.</summary>
    public TimeSpan ForgetAfter { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How often each node's protocol is ticked, as the service does (a tenth of a round).</summary>
    public TimeSpan TickEvery { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a sender waits for an answer before it counts the request as failed.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(1);
}
