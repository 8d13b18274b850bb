using System.Diagnostics;
using System.Net.Http.Json;
using CacheApp.Api;
using GroupCache.Http;

namespace CacheApp.Dashboard;

/// <summary>
/// Asks other members for their /api/admin/status, with the cluster secret when one is set, so
/// that the dashboard's reader needs none. Each fetch has a short deadline: a member that does
/// not answer in time is reported unreachable rather than holding the page up.
/// </summary>
internal sealed class MemberStatusClient : IDisposable
{
    // A status is a few kilobytes; a member that sends far more is not answering the question.
    private const int MaxStatusBytes = 256 * 1024;

    private readonly HttpClient _http;

    public MemberStatusClient(string? secret, TimeSpan timeout, System.Net.IPAddress? localAddress = null)
    {
        Timeout = timeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = localAddress is null ? null : OutgoingConnections.From(localAddress),
            ConnectTimeout = timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            UseProxy = false,

            // A redirect would take the cluster secret (only Authorization is dropped on the way) to
            // whatever host the member names: it is that member's error ("HTTP 302") instead.
            AllowAutoRedirect = false,
        })
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxStatusBytes,
        };
        if (!string.IsNullOrEmpty(secret))
        {
            _http.DefaultRequestHeaders.Add(PeerProtocolHeaders.Secret, secret);
        }
    }

    public TimeSpan Timeout { get; }

    /// <summary>The member's status, or why there is none; never throws but for the caller's cancellation.</summary>
    public async Task<(StatusResponse? Status, string? Error, double Milliseconds)> FetchAsync(string apiAddr, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(Timeout);
        try
        {
            using var response = await _http.GetAsync(new Uri($"{apiAddr}/api/admin/status"), HttpCompletionOption.ResponseContentRead, cts.Token);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"HTTP {(int)response.StatusCode}", clock.Elapsed.TotalMilliseconds);
            }

            var status = await response.Content.ReadFromJsonAsync(DashboardJsonContext.Default.StatusResponse, cts.Token);
            if (status is null)
            {
                return (null, "empty answer", clock.Elapsed.TotalMilliseconds);
            }

            // Any JSON object reads as a status with nothing in it; the page needs these parts.
            return status.Node is null || status.Group is null || status.Process is null || status.Ring is null
                ? (null, "not a status answer", clock.Elapsed.TotalMilliseconds)
                : (status, null, clock.Elapsed.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"no answer within {Timeout.TotalMilliseconds:0} ms", clock.Elapsed.TotalMilliseconds);
        }
        catch (HttpRequestException ex)
        {
            // The socket error says enough (refused, unreachable); the exception's text may repeat the address.
            return (null, ex.HttpRequestError == HttpRequestError.ConnectionError ? "connection failed" : "request failed: " + ex.HttpRequestError, clock.Elapsed.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or NotSupportedException)
        {
            // Not JSON, or JSON in a character set the reader does not know: one member's odd
            // answer is that member's error, not the whole cluster view's.
            return (null, "not a status answer", clock.Elapsed.TotalMilliseconds);
        }
        catch (UriFormatException)
        {
            return (null, "bad address", clock.Elapsed.TotalMilliseconds);
        }
    }

    public void Dispose() => _http.Dispose();
}
