namespace GroupCache.Http;

/// <summary>The members a new ring adds (<see cref="HttpPool.PeersAdding"/>).</summary>
public sealed class PeersAddingEventArgs(IReadOnlyList<string> added) : EventArgs
{
    /// <summary>The added members' base URLs, normalised and sorted ordinally.</summary>
    public IReadOnlyList<string> Added { get; } = added;
}
