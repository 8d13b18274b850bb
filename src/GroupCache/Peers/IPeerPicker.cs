using System.Diagnostics.CodeAnalysis;

namespace GroupCache.Peers;

/// <summary>Names the peer that owns a key.</summary>
public interface IPeerPicker
{
    /// <summary>
    /// The owner of <paramref name="key"/> when it is another node; false when this node owns it or
    /// there are no peers, and the caller loads the key itself.
    /// </summary>
    bool TryPickPeer(string key, [NotNullWhen(true)] out IPeerClient? peer);
}

/// <summary>A picker for a node on its own: it owns every key.</summary>
public sealed class NoPeers : IPeerPicker
{
    public static readonly NoPeers Instance = new();

    public bool TryPickPeer(string key, [NotNullWhen(true)] out IPeerClient? peer)
    {
        peer = null;
        return false;
    }
}
