using CacheApp.Configuration;
using GroupCache.Http;

namespace CacheApp.Source;

/// <summary>The HttpClient that talks to the source service: the getter's reads, writes and health checks.</summary>
internal sealed class SourceHttp(HttpClient client) : IDisposable
{
    public HttpClient Client { get; } = client;

    /// <summary>One client for the source: many connections, because every cold key is a request.</summary>
    public static SourceHttp For(CacheAppSettings settings) => new(new HttpClient(new SocketsHttpHandler
    {
        ConnectCallback = settings.OutgoingBindAddress is null ? null : OutgoingConnections.From(settings.OutgoingBindAddress),
        MaxConnectionsPerServer = 512,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectTimeout = settings.SourceTimeout,
        UseProxy = false,

        // Values come from SOURCEAPP_SERVICE_URL and nowhere else: a redirect would load a key from
        // (or send a write and its token to) whatever host the answer names. It is the source's
        // failure instead (502 to the client).
        AllowAutoRedirect = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    });

    public void Dispose() => Client.Dispose();
}
