using GroupCache.Peers;

namespace GroupCache;

public sealed partial class Group
{
    /// <summary>
    /// Makes every ring member forget <paramref name="key"/>: the owner first, then this node and all
    /// the other peers at once. Peers that fail or time out are listed in the result, not thrown.
    /// </summary>
    /// <remarks>
    /// The order matters. A node that forgot the key but asked the owner before the owner forgot it
    /// would get the old value back and could mirror it in its hot cache, where it would outlive the
    /// removal. With the owner done first, any load a node starts after its own removal reaches an
    /// owner that has already forgotten the key; loads it started before are discarded by the
    /// per-key generation (see <see cref="Remove"/>).
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; some members may have forgotten the key.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not well-formed UTF-16 (as for <see cref="GetAsync"/>).</exception>
    public async Task<RemoveResult> RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ThrowIfNotKey(key);
        var unreached = new List<string>();
        var cannotForget = new List<string>();
        int asked = 1;
        int confirmed = 1;
        void Count(IPeerClient peer, PeerRemoval removal)
        {
            asked++;
            if (removal == PeerRemoval.Confirmed)
            {
                confirmed++;
            }
            else
            {
                (removal == PeerRemoval.Unsupported ? cannotForget : unreached).Add(peer.ToString() ?? string.Empty);
            }
        }

        bool remoteOwner = _peers.TryPickPeer(key, out var owner);
        if (remoteOwner)
        {
            Count(owner!, await RemoveAtAsync(owner!, key, cancellationToken).ConfigureAwait(false));
        }

        Remove(key);
        var others = _peers.GetAllPeers().Where(p => !ReferenceEquals(p, owner)).ToArray();
        var results = await Task.WhenAll(others.Select(p => RemoveAtAsync(p, key, cancellationToken))).ConfigureAwait(false);
        for (int i = 0; i < others.Length; i++)
        {
            Count(others[i], results[i]);
        }

        if (unreached.Count > 0)
        {
            _log.RemoveUnreached(Name, key, confirmed, asked, unreached);
        }

        if (cannotForget.Count > 0)
        {
            _log.RemoveUnsupported(Name, cannotForget);
        }

        return new RemoveResult(asked, confirmed, unreached, cannotForget);
    }

    private async Task<PeerRemoval> RemoveAtAsync(IPeerClient peer, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await peer.RemoveAsync(Name, key, cancellationToken).ConfigureAwait(false) ? PeerRemoval.Confirmed : PeerRemoval.Failed;
        }
        catch (NotSupportedException)
        {
            return PeerRemoval.Unsupported;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A peer's failure is reported in the result; only the caller's cancellation throws.
            return PeerRemoval.Failed;
        }
    }

    private enum PeerRemoval
    {
        Confirmed,
        Failed,
        Unsupported,
    }
}
