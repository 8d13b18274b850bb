namespace GroupCache;

/// <summary>Loads the value of a key that no cache holds, from the system of record.</summary>
/// <remarks>
/// Throw <see cref="NotFoundException"/> when the source has no such key, so that callers can tell
/// "absent" from "failed". The group runs one load per key at a time, whatever the number of callers.
/// </remarks>
public interface IGetter
{
    /// <summary>Loads <paramref name="key"/>'s value; throws <see cref="NotFoundException"/> when the source has none.</summary>
    /// <param name="key">The key to load.</param>
    /// <param name="cancellationToken">Cancelled when no caller waits for the load any more.</param>
    ValueTask<ByteView> GetAsync(string key, CancellationToken cancellationToken);
}

/// <summary>Adapts a delegate to <see cref="IGetter"/>, as Go's <c>GetterFunc</c> does.</summary>
public sealed class GetterFunc(Func<string, CancellationToken, ValueTask<ByteView>> get) : IGetter
{
    private readonly Func<string, CancellationToken, ValueTask<ByteView>> _get = get ?? throw new ArgumentNullException(nameof(get));

    /// <inheritdoc/>
    public ValueTask<ByteView> GetAsync(string key, CancellationToken cancellationToken) => _get(key, cancellationToken);
}
