namespace CacheApp.Cluster;

/// <summary>The knobs of <see cref="SwimProtocol"/>; the defaults are the node's.</summary>
public sealed record SwimOptions
{
    /// <summary>One protocol round: one member probed (GOSSIP_INTERVAL).</summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A direct ping unanswered this long is followed by indirect pings.</summary>
    public TimeSpan ProbeTimeout => ProbeInterval * 0.4;

    /// <summary>A probe still unanswered this long after it started makes the member suspect.</summary>
    public TimeSpan SuspectAfter => ProbeInterval * 0.9;

    /// <summary>
    /// The same when the direct ping's connection was refused: nothing listens there (a SIGKILLed
    /// process), so the relays, asked at once, get half a round to bring an ack. Suspicion is not
    /// death: a member that is alive after all refutes it.
    /// </summary>
    public TimeSpan SuspectAfterRefusal => ProbeInterval * 0.5;

    /// <summary>
    /// Gossips a round while changes are pending. One member three times a round rather than three
    /// members once: a member told in the first third passes the change on in the second, so it
    /// spreads faster for the same number of messages (simulator, N = 1,000: a join known by all in
    /// 3.1 s against 4.1 s; docs/MEMBERSHIP.md).
    /// </summary>
    public int GossipsPerRound { get; init; } = 3;

    /// <summary>Recent changes are gossiped this often (when there are any), and at once after a suspicion or a death.</summary>
    public TimeSpan GossipInterval => ProbeInterval / GossipsPerRound;

    /// <summary>Members asked to ping a target that did not answer directly.</summary>
    public int IndirectProbes { get; init; } = 3;

    /// <summary>Random members each gossip goes to.</summary>
    public int Fanout { get; init; } = 1;

    /// <summary>Each change is sent this many times log10(N + 1) (rounded up) before it is dropped.</summary>
    public int RetransmitMult { get; init; } = 4;

    /// <summary>Every this many rounds, one page of the table is exchanged with a random member.</summary>
    public int PushPullEvery { get; init; } = 5;

    /// <summary>Every this many rounds, a dead or departed member is pinged, in case it came back.</summary>
    public int RetryGoneEvery { get; init; } = 5;

    /// <summary>Members told directly when this node leaves; they pass it on.</summary>
    public int LeaveFanout { get; init; } = 8;
}
