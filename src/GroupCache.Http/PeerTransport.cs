namespace GroupCache.Http;

/// <summary>
/// The HTTP client one peer's requests go through. When the pool owns its handlers, each peer has
/// one of its own, so that an answer whose framing is in doubt can close every connection to that
/// peer: <see cref="SocketsHttpHandler"/> keeps a connection whose doubtful body it had already
/// buffered whole, and offers no way to drop one connection. With a handler passed to the pool
/// (tests, custom transports), every peer shares it and <see cref="Recycle"/> does nothing.
/// </summary>
internal sealed class PeerTransport : IDisposable
{
    private readonly Func<HttpClient>? _factory;
    private HttpClient _client;

    /// <summary>Requests go through <paramref name="shared"/>, which its owner disposes.</summary>
    public PeerTransport(HttpClient shared) => _client = shared;

    /// <summary>Requests go through a client of this transport's own, made by <paramref name="factory"/>.</summary>
    public PeerTransport(Func<HttpClient> factory)
    {
        _factory = factory;
        _client = factory();
    }

    public HttpClient Client => Volatile.Read(ref _client);

    /// <summary>
    /// Closes every connection to the peer by replacing the client. Requests still running on the
    /// old one fail, as peer errors: they were talking to a peer that just answered out of framing.
    /// </summary>
    public void Recycle()
    {
        if (_factory is not null)
        {
            Interlocked.Exchange(ref _client, _factory()).Dispose();
        }
    }

    public void Dispose()
    {
        if (_factory is not null)
        {
            Client.Dispose();
        }
    }
}
