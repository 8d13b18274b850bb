namespace GroupCache.Peers;

/// <summary>Talks to one peer about the keys it owns (Go's <c>ProtoGetter</c>).</summary>
public interface IPeerClient
{
    /// <summary>
    /// The owner's value. Throws <see cref="NotFoundException"/> when the owner says its source has
    /// no such key; any other exception is a peer failure and the caller loads the key itself.
    /// </summary>
    ValueTask<PeerResponse> GetAsync(string group, string key, CancellationToken cancellationToken);

    /// <summary>
    /// Asks the peer to forget <paramref name="key"/> of <paramref name="group"/>. True when it
    /// confirmed; false when it failed, refused or did not answer in time (never throws for that).
    /// </summary>
    /// <exception cref="NotSupportedException">
    /// The peer cannot forget keys at all, so asking again will not help: golang/groupcache serves
    /// every method as a get, and answers a removal with the value it still holds.
    /// </exception>
    Task<bool> RemoveAsync(string group, string key, CancellationToken cancellationToken);
}

/// <summary>What a peer answers for a key.</summary>
/// <param name="Value">The value's bytes.</param>
/// <param name="ExpiresAtUnixNanos">When the owner's copy expires, in Unix nanoseconds; 0 for never.</param>
/// <param name="MinuteQps">The owner's estimate of the key's queries per second (groupcache sends 0).</param>
public readonly record struct PeerResponse(ByteView Value, long ExpiresAtUnixNanos = 0, double MinuteQps = 0);
