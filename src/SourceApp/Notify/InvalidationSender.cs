using GroupCache.Http;
using Microsoft.Extensions.Logging;
using ServiceCommon;
using SourceApp.Telemetry;

namespace SourceApp.Notify;

/// <summary>
/// Sends one <c>DELETE {node}/api/data/{key}</c> and says whether the node confirmed it forgot the key:
/// the one meaning of "confirmed" that every notifier shares.
/// </summary>
public sealed class InvalidationSender : IDisposable
{
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(2);

    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly string? _nodeSecret;
    private readonly SourceMetrics? _metrics;

    /// <param name="nodeSecret">The nodes' cluster secret (<c>-notify-secret</c>), sent with each notification: nodes with a secret refuse a DELETE without it. Null sends none.</param>
    /// <param name="metrics">Counts each notification's outcome; null in tests that build a sender alone.</param>
    public InvalidationSender(ILogger logger, TimeSpan requestTimeout, string? nodeSecret = null, SourceMetrics? metrics = null)
    {
        _metrics = metrics;
        _logger = logger;
        _nodeSecret = string.IsNullOrEmpty(nodeSecret) ? null : nodeSecret;
        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),

            // A redirect would take the nodes' secret (only Authorization is dropped on the way) to
            // whatever host the answer names, and count that host's 2xx as the node's confirmation.
            // A 3xx is a failure instead ("HTTP 302"), retried like any other.
            AllowAutoRedirect = false,

            // Cache nodes are reached directly, as the nodes reach each other: an HTTP_PROXY set for
            // the process's other traffic must not carry the nodes' secret through a proxy.
            UseProxy = false,
        })
        {
            Timeout = requestTimeout,
        };
    }

    /// <summary>The URL that tells <paramref name="node"/> to drop <paramref name="key"/>; every reserved character is escaped.</summary>
    public static Uri InvalidationUri(Uri node, string key) =>
        new(node.GetLeftPart(UriPartial.Path).TrimEnd('/') + DataKey.Prefix + Uri.EscapeDataString(key));

    /// <summary>
    /// True when the node answered 2xx: it dropped the key, or did not hold it. False on any other
    /// status, a connection error, the request timeout or <paramref name="cancellationToken"/>.
    /// </summary>
    /// <remarks>
    /// A 404 is a failure too: a cache node answers its <c>DELETE /api/data/{key}</c> with 200 also
    /// for a key it does not hold, so a 404 comes from something else at that address (its
    /// groupcache port, a wrong path prefix), which forgot nothing.
    /// </remarks>
    public async Task<bool> TrySendAsync(Uri node, string key, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, InvalidationUri(node, key));
            if (_nodeSecret is not null)
            {
                request.Headers.TryAddWithoutValidation(PeerProtocolHeaders.Secret, _nodeSecret);
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            bool confirmed = response.IsSuccessStatusCode;
            _metrics?.OnNotified(confirmed);
            if (confirmed)
            {
                return true;
            }

            Log.NotifyNodeFailed(_logger, node.ToString(), key, response.StatusCode == System.Net.HttpStatusCode.NotFound
                ? "HTTP 404: no cache node's data API at this address (the groupcache port, or a wrong path?)"
                : $"HTTP {(int)response.StatusCode}");
            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            _metrics?.OnNotified(false);
            Log.NotifyNodeFailed(_logger, node.ToString(), key, cancellationToken.IsCancellationRequested ? "no answer in time" : ex.Message);
            return false;
        }
    }

    public void Dispose() => _http.Dispose();
}
