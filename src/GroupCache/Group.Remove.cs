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
        int asked = 1;
        int confirmed = 1;
        bool remoteOwner = _peers.TryPickPeer(key, out var owner);
        if (remoteOwner)
        {
            asked++;
            if (await RemoveAtAsync(owner!, key, cancellationToken).ConfigureAwait(false))
            {
                confirmed++;
            }
            else
            {
                unreached.Add(owner!.ToString() ?? string.Empty);
            }
        }

        Remove(key);
        var others = _peers.GetAllPeers().Where(p => !ReferenceEquals(p, owner)).ToArray();
        bool[] results = await Task.WhenAll(others.Select(p => RemoveAtAsync(p, key, cancellationToken))).ConfigureAwait(false);
        asked += others.Length;
        for (int i = 0; i < others.Length; i++)
        {
            if (results[i])
            {
                confirmed++;
            }
            else
            {
                unreached.Add(others[i].ToString() ?? string.Empty);
            }
        }

        if (unreached.Count > 0)
        {
            _log.RemoveUnreached(Name, key, confirmed, asked, unreached);
        }

        return new RemoveResult(asked, confirmed, unreached);
    }

    private async Task<bool> RemoveAtAsync(IPeerClient peer, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await peer.RemoveAsync(Name, key, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A peer's failure is reported in the result; only the caller's cancellation throws.
            return false;
        }
    }
}
