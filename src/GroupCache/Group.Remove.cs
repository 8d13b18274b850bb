using GroupCache.Peers;

namespace GroupCache;

public sealed partial class Group
{
    /// <summary>
    /// Makes every ring member forget <paramref name="key"/>, in two passes over this node and all
    /// the peers at once. Peers that fail or time out are listed in the result, not thrown.
    /// </summary>
    /// <remarks>
    /// One pass is not enough while the members' rings disagree (a member joined or left and not
    /// every node has heard yet). A node that has forgotten the key can ask the member its own ring
    /// names as the owner before that member forgot it, get the old value back and mirror it in its
    /// hot cache, where it would outlive the removal. Only a getter fills a main cache, so once the
    /// first pass has been confirmed everywhere no main cache holds the old value any more. The
    /// second pass then clears the hot copies made meanwhile, and none can come back: a peer is
    /// answered from the main cache or the getter, never from a hot copy
    /// (<see cref="GetForPeerAsync"/>), and a load that started before a node's removal is
    /// discarded by the per-key generation (see <see cref="Remove"/>). A member that did not
    /// confirm the first pass is not asked again; it is reported as unreached.
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; some members may have forgotten the key.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not well-formed UTF-16 (as for <see cref="GetAsync"/>).</exception>
    public async Task<RemoveResult> RemoveAsync(string key, CancellationToken cancellationToken = default)
    {
        ThrowIfNotKey(key);

        // The owner (as this node's ring sees it) leads the list so that it leads the result's.
        var peers = _peers.GetAllPeers().ToList();
        if (_peers.TryPickPeer(key, out var owner) && peers.Remove(owner))
        {
            peers.Insert(0, owner);
        }

        var outcomes = await RemoveEverywhereAsync(peers, key, cancellationToken).ConfigureAwait(false);
        var confirmedOnce = peers.Where((_, i) => outcomes[i] == PeerRemoval.Confirmed).ToArray();
        var second = await RemoveEverywhereAsync(confirmedOnce, key, cancellationToken).ConfigureAwait(false);
        for (int i = 0, j = 0; i < peers.Count; i++)
        {
            if (outcomes[i] == PeerRemoval.Confirmed)
            {
                outcomes[i] = second[j++];
            }
        }

        var unreached = new List<string>();
        var cannotForget = new List<string>();
        for (int i = 0; i < peers.Count; i++)
        {
            if (outcomes[i] != PeerRemoval.Confirmed)
            {
                (outcomes[i] == PeerRemoval.Unsupported ? cannotForget : unreached).Add(peers[i].ToString() ?? string.Empty);
            }
        }

        int asked = peers.Count + 1;
        int confirmed = asked - unreached.Count - cannotForget.Count;
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

    /// <summary>One pass: this node and <paramref name="peers"/> forget the key, the peers all at once.</summary>
    private async Task<PeerRemoval[]> RemoveEverywhereAsync(IReadOnlyList<IPeerClient> peers, string key, CancellationToken cancellationToken)
    {
        Remove(key);
        return await Task.WhenAll(peers.Select(p => RemoveAtAsync(p, key, cancellationToken))).ConfigureAwait(false);
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
