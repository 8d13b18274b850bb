namespace GroupCache;

/// <summary>The outcome of a cluster-wide <see cref="Group.RemoveAsync"/>.</summary>
/// <param name="Asked">Members asked to forget the key, this node included.</param>
/// <param name="Confirmed">Members that confirmed (this node always does).</param>
/// <param name="Unreached">The peers that did not confirm within their timeout, the owner first.</param>
public sealed record RemoveResult(int Asked, int Confirmed, IReadOnlyList<string> Unreached)
{
    /// <summary>True when every member confirmed.</summary>
    public bool Complete => Unreached.Count == 0;
}
