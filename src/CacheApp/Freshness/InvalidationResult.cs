namespace CacheApp.Freshness;

/// <summary>The outcome of one cluster-wide invalidation.</summary>
/// <param name="Confirmed">Ring members (this node included) that confirmed they forgot the key.</param>
/// <param name="RingSize">Ring members asked.</param>
/// <param name="Unreached">Members that did not confirm within the peer timeout: asking again may reach them.</param>
/// <param name="CannotForget">Members that cannot forget keys at all (golang/groupcache nodes): asking again does not help.</param>
public sealed record InvalidationResult(int Confirmed, int RingSize, IReadOnlyList<string> Unreached, IReadOnlyList<string> CannotForget);
