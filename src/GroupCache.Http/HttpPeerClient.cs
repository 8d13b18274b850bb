using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using GroupCache.Diagnostics;
using GroupCache.Http.Protocol;
using GroupCache.Peers;

namespace GroupCache.Http;

/// <summary>
/// Fetches keys from one peer (Go's <c>httpGetter</c>): <c>GET {peer}{basePath}{group}/{key}</c>.
/// Any answer but a 200 of Content-Type <c>application/x-protobuf</c> with a decodable body — a
/// non-200, another or no Content-Type, a transport error, a timeout, a body that is cut short,
/// undecodable or too large — throws, and the group loads the key itself;
/// except a 404 marked <see cref="PeerProtocolHeaders.NotFound"/>, which throws <see cref="NotFoundException"/>.
/// Requests go through an <see cref="HttpClient"/> over a <see cref="SocketsHttpHandler"/> of this
/// peer's own (unless the pool was given a handler): its HTTP/1.1 framing is the platform's, which
/// skips interim 1xx answers; an answer whose framing is in doubt closes every connection to the peer.
/// While a trace runs, a fetch carries it in <c>traceparent</c>; with none, no header is added
/// (the pool's handler injects no trace headers of its own: see <see cref="HttpPool"/>).
/// </summary>
public sealed class HttpPeerClient : IPeerClient
{
    private const int InitialBufferBytes = 16 * 1024;

    // How often a body's read loop gives its thread back (see ReadBodyAsync).
    private const int YieldEveryReads = 16;

    // A GetResponse frames its value with at most 1 + 10 bytes and adds 9 for minute_qps and
    // 11 for expire; anything longer than the value plus this is not an answer within the limit.
    private const int FramingBytes = 64;

    // Uri resolves "." and ".." segments, escaped or not, so a key or group that is exactly "." or
    // ".." needs a Uri that keeps its path verbatim. Only then: handlers that read the path back
    // through Uri.GetComponents (ASP.NET Core's TestServer does) refuse such Uris.
    private static readonly UriCreationOptions RawPath = new() { DangerousDisablePathAndQueryCanonicalization = true };

    private readonly PeerTransport _transport;
    private readonly HttpPoolOptions _options;
    private readonly TimeoutSources _timeouts;
    private readonly PeerBodyBudget _budget;
    private readonly ConcurrentDictionary<string, string> _groupPrefixes = new(StringComparer.Ordinal);

    internal HttpPeerClient(string peer, PeerTransport transport, HttpPoolOptions options, TimeoutSources timeouts, PeerBodyBudget budget)
    {
        _budget = budget;
        _timeouts = timeouts;
        Peer = peer;
        _transport = transport;
        _options = options;
    }

    /// <summary>The peer's canonical base URL.</summary>
    public string Peer { get; }

    /// <inheritdoc/>
    public async ValueTask<PeerResponse> GetAsync(string group, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(key);
        using var request = NewRequest(HttpMethod.Get, group, key);
        if (GroupCacheTracing.CurrentTraceParent() is { } traceParent)
        {
            // One trace across nodes; golang/groupcache peers ignore the header.
            request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        }

        long deadline = _options.PeerTimeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(_options.PeerTimeout.TotalSeconds * Stopwatch.Frequency);
        using var timeout = _timeouts.Rent(cancellationToken);
        try
        {
            using var response = await _transport.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            RefuseDoubtfulFraming(response);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw await FailureOfAsync(response, timeout.Token).ConfigureAwait(false);
            }

            if (!IsGetResponse(response.Content.Headers))
            {
                // Go's server and ours send this type with every value. A 200 without it is
                // something else at the peer's address (a proxy's or a health page, an empty
                // answer), and its body would decode as a value: an empty one, or any bytes that
                // happen to parse.
                throw new InvalidDataException($"Peer {Peer} answered 200 with Content-Type '{response.Content.Headers.ContentType}', not {PeerProtocolHeaders.ProtobufContentType}.");
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
                return await ReadBodyAsync(stream, (int?)length, (int)limit, deadline, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Not the timeout, nor the handler's own (ConnectTimeout, which cancels with a
            // TimeoutException inside): the client it went through was closed under it (every
            // connection to the peer after a doubtful answer, or the peer left the ring).
            if (!timeout.Token.IsCancellationRequested && ex.InnerException is not TimeoutException)
            {
                throw new HttpRequestException($"Peer {Peer}: the request was cut off, its connections to the peer closed.", ex);
            }

            throw TimedOut(ex);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null && !ex.Message.StartsWith("Peer ", StringComparison.Ordinal))
        {
            // A transport failure (refused, reset, an answer that is not HTTP): name the peer
            // (the failures this client raises itself name it already).
            throw new HttpRequestException($"Peer {Peer}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            // The body failed under way (cut short, bad chunk framing).
            throw new HttpRequestException($"Peer {Peer}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Asks the peer to forget <paramref name="key"/> (<c>DELETE</c>, the same URL as a get).
    /// </summary>
    /// <returns>True when the peer answered 200 or 204; false on any other answer, an answer whose framing is in doubt, a transport error or a timeout.</returns>
    /// <exception cref="NotSupportedException">
    /// The peer answered with a value (200 and a <c>GetResponse</c>), or with a plain-text 500 (a get
    /// it could not load): golang/groupcache serves every method as a get, so it forgot nothing, and
    /// never will.
    /// </exception>
    public async Task<bool> RemoveAsync(string group, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(key);
        using var request = NewRequest(HttpMethod.Delete, group, key);
        using var timeout = _timeouts.Rent(cancellationToken);
        try
        {
            using var response = await _transport.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);

            // Its status is no confirmation either: what came with it may be the start of another answer.
            RefuseDoubtfulFraming(response);
            if (response.StatusCode == HttpStatusCode.OK && IsGetResponse(response.Content.Headers))
            {
                throw new NotSupportedException($"Peer {Peer} answered a removal with a value: it serves DELETE as a get (golang/groupcache) and cannot forget keys.");
            }

            if (IsFailedGoGet(response))
            {
                // The same get, for a key it could not load (gone from the source, or the source
                // down): it holds nothing to forget now, but asking again is no removal either.
                throw new NotSupportedException($"Peer {Peer} answered a removal with a failed get (golang/groupcache's plain-text 500): it serves DELETE as a get and cannot forget keys.");
            }

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

    /// <summary>Closes the client's connections; the pool calls it when the peer leaves the ring or the pool is disposed.</summary>
    internal void Close() => _transport.Dispose();

    /// <summary>The peer's base URL (<see cref="Peer"/>).</summary>
    public override string ToString() => Peer;

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

    /// <summary>
    /// Throws when the answer's framing is in doubt (<see cref="FramingDoubt"/>), after closing
    /// every connection to the peer (RFC 9112 6.3): the handler may already hold the doubtful body,
    /// and with it the bytes of what it would take for the next answer on that connection. Not a
    /// byte of the body is read.
    /// </summary>
    /// <exception cref="HttpRequestException">The framing is in doubt.</exception>
    private void RefuseDoubtfulFraming(HttpResponseMessage response)
    {
        if (FramingDoubt(response) is { } doubt)
        {
            _transport.Recycle();
            throw new HttpRequestException($"Peer {Peer} sent an answer whose framing is in doubt: {doubt}.");
        }
    }

    /// <summary>Why the answer's body cannot be told apart from what follows it, or null when it can.</summary>
    /// <remarks>
    /// The handler frames bodies by the first of several Content-Length values, reads an unknown
    /// transfer coding or a length it cannot parse as "until the connection closes", and lets
    /// chunked coding win over a length; each of these is a peer that may mean another framing.
    /// </remarks>
    private static string? FramingDoubt(HttpResponseMessage response)
    {
        bool hasLength = response.Content.Headers.NonValidated.TryGetValues("Content-Length", out var lengths);
        if (hasLength && (lengths.Count != 1 || response.Content.Headers.ContentLength is null))
        {
            return $"Content-Length '{lengths}'";
        }

        if (response.Headers.NonValidated.TryGetValues("Transfer-Encoding", out var codings))
        {
            if (hasLength)
            {
                return "both Content-Length and Transfer-Encoding";
            }

            if (codings.Count != 1 || !string.Equals(codings.ToString().Trim(), "chunked", StringComparison.OrdinalIgnoreCase))
            {
                return $"Transfer-Encoding '{codings}'";
            }
        }

        return null;
    }

    private static bool IsDotSegment(string segment) => segment is "." or "..";

    private TimeoutException TimedOut(Exception? inner) => new($"Peer {Peer} did not answer within {_options.PeerTimeout}.", inner);

    /// <summary>
    /// golang/groupcache answers a get it could not load with <c>http.Error</c>: a 500 in plain
    /// text. Our nodes answer every error in JSON, so the text tells the two apart.
    /// </summary>
    private static bool IsFailedGoGet(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.InternalServerError
        && string.Equals(response.Content.Headers.ContentType?.MediaType, "text/plain", StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the answer says it is a <c>GetResponse</c>; parameters (a charset) do not matter.</summary>
    private static bool IsGetResponse(System.Net.Http.Headers.HttpContentHeaders headers) =>
        string.Equals(headers.ContentType?.MediaType, PeerProtocolHeaders.ProtobufContentType, StringComparison.OrdinalIgnoreCase);

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

        // The reason phrase is the peer's text too.
        return new HttpRequestException($"Peer {Peer} returned {(int)status} {ErrorBody.Printable(reason ?? string.Empty)}: {text}", inner: null, status);
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

    private async ValueTask<PeerResponse> ReadBodyAsync(Stream stream, int? length, int limit, long deadline, CancellationToken cancellationToken)
    {
        // One buffer holds the body (a byte more than announced, so that the read that sees the end
        // needs no larger one), counted against the pool's budget; decoding copies the value out
        // once, into its own array.
        byte[] buffer = RentBody(length is { } known ? known + 1 : InitialBufferBytes);
        int n = 0;
        try
        {
            for (int reads = 1; ; reads++)
            {
                if (n == buffer.Length)
                {
                    if (n >= limit)
                    {
                        throw new InvalidDataException($"Peer {Peer} sent more than {_options.MaxValueBytes} bytes of value.");
                    }

                    byte[] larger = RentBody((int)Math.Min((long)buffer.Length * 2, limit + 1L));
                    buffer.AsSpan(0, n).CopyTo(larger);
                    _budget.Return(buffer);
                    buffer = larger;
                }

                int read = await stream.ReadAsync(buffer.AsMemory(n), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                n += read;

                // A peer that trickles bytes makes reads complete synchronously, one after another:
                // such a loop never gives its thread back, and with enough of them the timer that
                // would cancel them never gets a thread to run on. So the deadline is checked here,
                // and now and then the loop yields.
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    cancellationToken.ThrowIfCancellationRequested(); // a cancellation that came too (the caller's) wins, as elsewhere
                    throw TimedOut(null);
                }

                if (reads % YieldEveryReads == 0)
                {
                    await Task.Yield();
                }
            }

            if (n > limit)
            {
                throw new InvalidDataException($"Peer {Peer} sent more than {_options.MaxValueBytes} bytes of value.");
            }

            return Decode(buffer.AsSpan(0, n));
        }
        finally
        {
            _budget.Return(buffer);
        }
    }

    private byte[] RentBody(int bytes) =>
        _budget.TryRent(bytes) ?? throw new HttpRequestException($"Peer {Peer}: a body of {bytes} bytes would take the peer bodies in flight over their budget of {_budget.LimitBytes} bytes.");
}
