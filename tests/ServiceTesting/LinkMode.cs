namespace ServiceTesting;

/// <summary>What a <see cref="FaultProxy"/> does to one link's traffic.</summary>
public enum LinkModeKind
{
    /// <summary>Forward everything, both ways.</summary>
    Pass,

    /// <summary>Reset new connections at once, and reset the live ones (both sides get an RST).</summary>
    Refuse,

    /// <summary>Accept, forward nothing and never close: a cable cut with no reset, as a dropped packet looks.</summary>
    Blackhole,

    /// <summary>Hold each chunk read for <see cref="LinkMode.Delay"/> before forwarding it.</summary>
    Delay,

    /// <summary>Forward <see cref="LinkMode.Bytes"/> bytes per connection (both directions together), then reset both sides.</summary>
    ResetAfter,
}

/// <summary>
/// One link's mode. Switched while the proxy runs, it applies to live connections too: bytes read
/// after a switch to <see cref="LinkModeKind.Blackhole"/> are held (as TCP keeps retransmitting)
/// and delivered once the link passes again; a switch to <see cref="LinkModeKind.Refuse"/> resets
/// them; <see cref="LinkModeKind.ResetAfter"/> counts from the switch.
/// </summary>
public sealed record LinkMode(LinkModeKind Kind, TimeSpan Delay, long Bytes)
{
    public static LinkMode Pass { get; } = new(LinkModeKind.Pass, TimeSpan.Zero, 0);

    public static LinkMode Refuse { get; } = new(LinkModeKind.Refuse, TimeSpan.Zero, 0);

    public static LinkMode Blackhole { get; } = new(LinkModeKind.Blackhole, TimeSpan.Zero, 0);

    public static LinkMode Delayed(TimeSpan delay) => new(LinkModeKind.Delay, delay, 0);

    public static LinkMode ResetAfterBytes(long bytes) => new(LinkModeKind.ResetAfter, TimeSpan.Zero, bytes);

    public override string ToString() => Kind switch
    {
        LinkModeKind.Delay => $"delay {Delay.TotalMilliseconds} ms",
        LinkModeKind.ResetAfter => $"reset after {Bytes} bytes",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
