using System.Net.Http.Json;
using GroupCache.Http;

namespace CacheApp.Cluster;

/// <summary>Sends join, gossip and leave messages to other nodes' API ports.</summary>
public sealed class ClusterClient : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="localAddress">The address connections start from (OUTGOING_BIND_HOST); null lets the system choose.</param>
    public ClusterClient(string? secret, HttpMessageHandler? handler = null, System.Net.IPAddress? localAddress = null)
    {
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            ConnectCallback = localAddress is null ? null : GroupCache.Http.OutgoingConnections.From(localAddress),
            ConnectTimeout = TimeSpan.FromSeconds(2),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            UseProxy = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (!string.IsNullOrEmpty(secret))
        {
            _http.DefaultRequestHeaders.Add(PeerProtocolHeaders.Secret, secret);
        }
    }

    /// <summary>POSTs <paramref name="message"/> to {apiAddr}/api/cluster/{verb} and returns the receiver's table.</summary>
    public async Task<ClusterMessage> SendAsync(string apiAddr, string verb, ClusterMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var response = await _http.PostAsJsonAsync(
            new Uri($"{apiAddr}/api/cluster/{verb}"), message, CacheAppJsonContext.Default.ClusterMessage, cts.Token);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync(CacheAppJsonContext.Default.ClusterMessage, cts.Token);
        return answer ?? throw new InvalidDataException($"{apiAddr} answered an empty cluster message.");
    }

    public void Dispose() => _http.Dispose();
}
