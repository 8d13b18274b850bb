using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GroupCache.Http;

namespace CacheApp.Cluster;

/// <summary>Sends join, gossip and leave messages to other nodes' API ports.</summary>
public sealed class ClusterClient : IDisposable
{
    private readonly HttpClient _http;
    private long _messagesSent;
    private long _bytesSent;

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

    /// <summary>Join, gossip and leave messages sent (answered or not).</summary>
    public long MessagesSent => Volatile.Read(ref _messagesSent);

    /// <summary>Bytes of those messages' JSON bodies.</summary>
    public long BytesSent => Volatile.Read(ref _bytesSent);

    /// <summary>POSTs <paramref name="message"/> to {apiAddr}/api/cluster/{verb} and returns the receiver's table.</summary>
    public async Task<ClusterMessage> SendAsync(string apiAddr, string verb, ClusterMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        // Serialized up front rather than streamed, so that the bytes sent can be counted.
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(message, CacheAppJsonContext.Default.ClusterMessage);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        Interlocked.Increment(ref _messagesSent);
        Interlocked.Add(ref _bytesSent, body.Length);
        using var response = await _http.PostAsync(new Uri($"{apiAddr}/api/cluster/{verb}"), content, cts.Token);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync(CacheAppJsonContext.Default.ClusterMessage, cts.Token);
        return answer ?? throw new InvalidDataException($"{apiAddr} answered an empty cluster message.");
    }

    public void Dispose() => _http.Dispose();
}
