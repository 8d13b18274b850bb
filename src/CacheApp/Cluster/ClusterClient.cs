using System.Net.Http.Headers;
using System.Text.Json;
using GroupCache.Http;

namespace CacheApp.Cluster;

/// <summary>Sends membership messages (join, gossip, leave, ping, ping-req, ack, sync) to other nodes' API ports.</summary>
public sealed class ClusterClient : IDisposable
{
    /// <summary>The largest answer read: the largest request an endpoint accepts.</summary>
    public const int MaxAnswerBytes = 1 << 20;

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

            // A redirect would take the cluster secret (only Authorization is dropped on the way) to
            // whatever host the member names, and turn the POST into a GET: it fails the message instead.
            AllowAutoRedirect = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,

            // The answer is buffered before SendAsync sees it: without this bound, a broken or
            // hostile node's endless answer would be read whole, up to 2 GB, before the checks below.
            MaxResponseContentBufferSize = MaxAnswerBytes,
        };
        if (!string.IsNullOrEmpty(secret))
        {
            _http.DefaultRequestHeaders.Add(PeerProtocolHeaders.Secret, secret);
        }
    }

    /// <summary>Messages and bytes this node sent and received (the endpoints count what they receive and answer here too).</summary>
    public MembershipStats Stats { get; } = new();

    /// <summary>Membership requests sent (answered or not).</summary>
    public long MessagesSent => Stats.MessagesSent;

    /// <summary>Bytes of membership messages' JSON bodies sent.</summary>
    public long BytesSent => Stats.BytesSent;

    /// <summary>POSTs <paramref name="message"/> to {apiAddr}/api/cluster/{verb} and returns the receiver's answer.</summary>
    public async Task<ClusterMessage> SendAsync(string apiAddr, string verb, ClusterMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        // Serialized up front rather than streamed, so that the bytes sent can be counted.
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(message, CacheAppJsonContext.Default.ClusterMessage);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        Stats.Sent(body.Length);
        using var response = await _http.PostAsync(new Uri($"{apiAddr}/api/cluster/{verb}"), content, cts.Token);
        if ((int)response.StatusCode is >= 300 and < 400)
        {
            throw new HttpRequestException($"{apiAddr} answered HTTP {(int)response.StatusCode}, a redirect (not followed).", null, response.StatusCode);
        }

        response.EnsureSuccessStatusCode();

        // Read whole (bounded) so that the bytes received can be counted.
        if (response.Content.Headers.ContentLength > MaxAnswerBytes)
        {
            throw new InvalidDataException($"{apiAddr} answered more than {MaxAnswerBytes} bytes.");
        }

        byte[] bytes = await response.Content.ReadAsByteArrayAsync(cts.Token);
        Stats.Received(bytes.Length);
        if (bytes.Length > MaxAnswerBytes)
        {
            throw new InvalidDataException($"{apiAddr} answered more than {MaxAnswerBytes} bytes.");
        }

        var answer = JsonSerializer.Deserialize(bytes, CacheAppJsonContext.Default.ClusterMessage);
        return answer ?? throw new InvalidDataException($"{apiAddr} answered an empty cluster message.");
    }

    public void Dispose() => _http.Dispose();
}
