namespace GroupCache.Http;

/// <summary>
/// A peer source that can say how its discovery is going (DNS, Kubernetes, gossip), for admin
/// pages, dashboards and logs. Implemented next to <see cref="IPeerSource"/> by sources that poll
/// or watch something that can fail.
/// </summary>
public interface IDiscoveryStatus
{
    /// <summary>How discovery stands now; cheap to read, never throws.</summary>
    DiscoverySnapshot Snapshot { get; }
}

/// <summary>A moment's view of a peer source.</summary>
/// <param name="Mode">The discovery mode: <c>static</c>, <c>gossip</c>, <c>dns</c>, <c>kubernetes</c>.</param>
/// <param name="LastRefresh">When the source last got an answer it used (a good DNS answer, a list or watch event); null before the first.</param>
/// <param name="LastError">The last failure's message; null when the last attempt succeeded.</param>
/// <param name="LastErrorAt">When that failure happened; null when there is none.</param>
/// <param name="Refreshes">Answers used since start.</param>
/// <param name="Failures">Failed attempts since start (each kept the last good ring).</param>
/// <param name="Peers">The peer set last handed to the ring (base URLs, this node included).</param>
public sealed record DiscoverySnapshot(
    string Mode,
    DateTimeOffset? LastRefresh,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    long Refreshes,
    long Failures,
    IReadOnlyList<string> Peers)
{
    /// <summary>
    /// Why the last answer, though it came, says nothing about the peers (a Kubernetes Service with
    /// no EndpointSlices: a wrong name or namespace; no slice with the wanted port); null when it does.
    /// </summary>
    public string? EmptyAnswer { get; init; }
}
