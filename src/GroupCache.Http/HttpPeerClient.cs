using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using GroupCache.Http.Protocol;
using GroupCache.Peers;

namespace GroupCache.Http;

/// <summary>
/// Fetches keys from one peer (Go's <c>httpGetter</c>): <c>GET {peer}{basePath}{group}/{key}</c>.
/// Any answer but a 200 with a decodable body — a non-200, a transport error, a timeout, a body
/// that is cut short, undecodable or too large — throws, and the group loads the key itself;
/// except a 404 marked <see cref="PeerProtocolHeaders.NotFound"/>, which throws <see cref="NotFoundException"/>.
/// Gets from http:// peers go over the client's own kept-alive connections (<see cref="PeerConnectionPool"/>),
/// which cost a fraction of <see cref="HttpClient"/>'s CPU and garbage per fetch; https:// peers,
/// removals and pools built with a handler of their own use the <see cref="HttpClient"/>.
/// </summary>
public sealed class HttpPeerClient : IPeerClient
{
    private const int InitialBufferBytes = 16 * 1024;

    // A GetResponse frames its value with at most 1 + 10 bytes and adds 9 for minute_qps and
    // 11 for expire; anything longer than the value plus this is not an answer within the limit.
    private const int FramingBytes = 64;

    // Uri resolves "." and ".." segments, escaped or not, so a key or group that is exactly "." or
    // ".." needs a Uri that keeps its path verbatim. Only then: handlers that read the path back
    // through Uri.GetComponents (ASP.NET Core's TestServer does) refuse such Uris.
    private static readonly UriCreationOptions RawPath = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private readonly HttpClient _http;
    private readonly HttpPoolOptions _options;
    private readonly TimeoutSources _timeouts;
    private readonly ConcurrentDictionary<string, string> _groupPrefixes = new(StringComparer.Ordinal);

    // Fetches from plain-HTTP peers go over these pooled connections, not through _http (which
    // remains for https:// peers, for removals, and for handlers the tests put in).
    private readonly PeerConnectionPool? _connections;

    internal HttpPeerClient(string peer, HttpClient http, HttpPoolOptions options, TimeoutSources timeouts, PeerConnectionPool? connections = null)
    {
        _connections = connections;
        _timeouts = timeouts;
        Peer = peer;
        _http = http;
        _options = options;
    }

    /// <summary>The peer's canonical base URL.</summary>
    public string Peer { get; }

    /// <inheritdoc/>
    public ValueTask<PeerResponse> GetAsync(string group, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(key);
        return _connections is not null
            ? GetDirectAsync(_connections, group, key, cancellationToken)
            : GetThroughHttpClientAsync(group, key, cancellationToken);
    }

    private async ValueTask<PeerResponse> GetThroughHttpClientAsync(string group, string key, CancellationToken cancellationToken)
    {
        using var request = NewRequest(HttpMethod.Get, group, key);
        using var timeout = _timeouts.Rent(cancellationToken);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw await FailureOfAsync(response, timeout.Token).ConfigureAwait(false);
            }

            long limit = _options.MaxValueBytes + FramingBytes;
            long? length = response.Content.Headers.ContentLength;
            if (length > limit)
            {
                throw new InvalidDataException($"Peer {Peer} announced {length} bytes for a value; the limit is {_options.MaxValueBytes}.");
            }

            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await ReadBodyAsync(stream, (int?)length, (int)limit, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Peer {Peer} did not answer within {_options.PeerTimeout}.", ex);
        }
    }

    /// <summary>
    /// Asks the peer to forget <paramref name="key"/> (<c>DELETE</c>, the same URL as a get).
    /// </summary>
    /// <returns>True when the peer answered 200 or 204; false on any other answer, a transport error or a timeout.</returns>
    public async Task<bool> RemoveAsync(string group, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(key);
        using var request = NewRequest(HttpMethod.Delete, group, key);
        using var timeout = _timeouts.Rent(cancellationToken);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>The peer's base URL (<see cref="Peer"/>).</summary>
    public override string ToString() => Peer;

    internal void CloseConnections() => _connections?.Dispose();

    private async ValueTask<PeerResponse> GetDirectAsync(PeerConnectionPool connections, string group, string key, CancellationToken cancellationToken)
    {
        string path = PathOf(group, key);
        int limit = (int)Math.Min(int.MaxValue - 1L, _options.MaxValueBytes + FramingBytes);
        using var timeout = _timeouts.Rent(cancellationToken);
        PeerAnswer answer;
        try
        {
            answer = await connections.GetAsync(path, limit, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Peer {Peer} did not answer within {_options.PeerTimeout}.", ex);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"Peer {Peer}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            throw new HttpRequestException($"Peer {Peer}: {ex.Message}", ex);
        }

        try
        {
            var body = answer.Body.AsSpan(0, answer.Length);
            if (answer.Status != (int)HttpStatusCode.OK)
            {
                string text = ErrorBody.Decode(body[..Math.Min(body.Length, ErrorBody.MaxBytes)]);
                throw Failure((HttpStatusCode)answer.Status, answer.Reason, answer.NotFound, text);
            }

            return Decode(body);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(answer.Body);
        }
    }

    internal string UrlOf(string group, string key) => Peer + PathOf(group, key);

    /// <summary>The request target: {basePath}{group}/{key}, group and key query-escaped.</summary>
    internal string PathOf(string group, string key)
    {
        if (!_groupPrefixes.TryGetValue(group, out string? prefix))
        {
            prefix = _groupPrefixes.GetOrAdd(group, PeerPath.Concat(_options.BasePath, group) + "/");
        }

        return PeerPath.Concat(prefix, key);
    }

    private HttpRequestMessage NewRequest(HttpMethod method, string group, string key)
    {
        string url = UrlOf(group, key);
        var uri = IsDotSegment(group) || IsDotSegment(key) ? new Uri(url, in RawPath) : new Uri(url, UriKind.Absolute);
        var request = new HttpRequestMessage(method, uri);
        if (!string.IsNullOrEmpty(_options.ClusterSecret))
        {
            request.Headers.TryAddWithoutValidation(PeerProtocolHeaders.Secret, _options.ClusterSecret);
        }

        return request;
    }

    private static bool IsDotSegment(string segment) => segment is "." or "..";

    private async Task<Exception> FailureOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string text = await ReadErrorTextAsync(response, cancellationToken).ConfigureAwait(false);
        return Failure(response.StatusCode, response.ReasonPhrase, response.Headers.Contains(PeerProtocolHeaders.NotFound), text);
    }

    /// <summary>What a non-200 answer means: the owner's "not found" when marked so, else a peer error.</summary>
    private Exception Failure(HttpStatusCode status, string? reason, bool notFoundMarked, string text)
    {
        if (status == HttpStatusCode.NotFound && notFoundMarked)
        {
            return new NotFoundException(text.Length == 0 ? "not found" : text);
        }

        return new HttpRequestException($"Peer {Peer} returned {(int)status} {reason}: {text}", inner: null, status);
    }

    /// <summary>Decodes a 200's body, refusing a value over the limit.</summary>
    private PeerResponse Decode(ReadOnlySpan<byte> body)
    {
        var decoded = GetResponseCodec.Decode(body);
        if (decoded.Value.Length > _options.MaxValueBytes)
        {
            throw new InvalidDataException($"Peer {Peer} sent a value of {decoded.Value.Length} bytes; the limit is {_options.MaxValueBytes}.");
        }

        return decoded;
    }

    private static async Task<string> ReadErrorTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ErrorBody.MaxBytes);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                int n = 0;
                int read;
                while (n < ErrorBody.MaxBytes && (read = await stream.ReadAsync(buffer.AsMemory(n, ErrorBody.MaxBytes - n), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    n += read;
                }

                return ErrorBody.Decode(buffer.AsSpan(0, n));
            }
        }
        catch (HttpRequestException)
        {
            return string.Empty;
        }
        catch (IOException)
        {
            return string.Empty;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask<PeerResponse> ReadBodyAsync(Stream stream, int? length, int limit, CancellationToken cancellationToken)
    {
        // One pooled buffer holds the body (a byte more than announced, so that the read that sees the
        // end needs no larger one); decoding copies the value out once, into its own array.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length is { } known ? known + 1 : InitialBufferBytes);
        int n = 0;
        try
        {
            while (true)
            {
                if (n == buffer.Length)
                {
                    if (n >= limit)
                    {
                        throw new InvalidDataException($"Peer {Peer} sent more than {_options.MaxValueBytes} bytes of value.");
                    }

                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1L));
                    buffer.AsSpan(0, n).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                int read = await stream.ReadAsync(buffer.AsMemory(n), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                n += read;
            }

            if (n > limit)
            {
                throw new InvalidDataException($"Peer {Peer} sent more than {_options.MaxValueBytes} bytes of value.");
            }

            return Decode(buffer.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
