namespace GroupCache;

/// <summary>The outcome of a cluster-wide <see cref="Group.RemoveAsync"/>.</summary>
/// <param name="Asked">Members asked to forget the key, this node included.</param>
/// <param name="Confirmed">Members that confirmed (this node always does).</param>
/// <param name="Unreached">The peers that did not confirm within their timeout (the owner, as this node's ring sees it, first): asking again may reach them.</param>
/// <param name="CannotForget">
/// The peers that answered but cannot forget keys at all (golang/groupcache serves a removal as a
/// get): what they hold lasts until they evict it, and asking again does not help.
/// </param>
public sealed record RemoveResult(int Asked, int Confirmed, IReadOnlyList<string> Unreached, IReadOnlyList<string> CannotForget)
{
    /// <summary>True when every member confirmed.</summary>
    public bool Complete => Unreached.Count == 0 && CannotForget.Count == 0;
}
