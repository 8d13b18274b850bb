using System.Diagnostics.CodeAnalysis;

namespace GroupCache.Peers;

/// <summary>Names the peer that owns a key, and knows every peer (for removals).</summary>
public interface IPeerPicker
{
    /// <summary>
    /// The owner of <paramref name="key"/> when it is another node; false when this node owns it or
    /// there are no peers, and the caller loads the key itself.
    /// </summary>
    bool TryPickPeer(string key, [NotNullWhen(true)] out IPeerClient? peer);

    /// <summary>The clients of every ring member other than this node, in a stable order.</summary>
    IReadOnlyList<IPeerClient> GetAllPeers();
}

/// <summary>A picker for a node on its own: it owns every key.</summary>
public sealed class NoPeers : IPeerPicker
{
    /// <summary>The one instance; it holds no state.</summary>
    public static readonly NoPeers Instance = new();

    /// <inheritdoc/>
    public bool TryPickPeer(string key, [NotNullWhen(true)] out IPeerClient? peer)
    {
        peer = null;
        return false;
    }

    /// <inheritdoc/>
    public IReadOnlyList<IPeerClient> GetAllPeers() => [];
}
