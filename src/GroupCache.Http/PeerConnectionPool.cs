using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace GroupCache.Http;

/// <summary>
/// Kept-alive connections to one plain-HTTP peer, for the peer protocol's GETs: a fetch is one
/// short request and one protobuf body, and <see cref="HttpClient"/>'s general machinery (request
/// and response objects, header collections, a Uri) cost more CPU and garbage than the fetch.
/// </summary>
internal sealed class PeerConnectionPool : IDisposable
{
    private const int MaxIdle = 512;
    private static readonly long MaxIdleTicks = Stopwatch.Frequency * 50; // below servers' usual keep-alive timeouts

    // Like the HttpClient handler's PooledConnectionLifetime: connections are renewed now and
    // then, so that a peer name that moved to another address is looked up again.
    private static readonly long MaxLifetimeTicks = Stopwatch.Frequency * 300;

    private readonly string _host;
    private readonly int _port;
    private readonly byte[] _headers; // "Host: …\r\n" and the secret header, then the blank line
    private readonly Lock _lock = new(); // guards _idle
    private readonly Stack<PeerConnection> _idle = new();
    private bool _disposed;

    private PeerConnectionPool(Uri peer, string? clusterSecret)
    {
        _host = peer.DnsSafeHost;
        _port = peer.Port;
        string secret = string.IsNullOrEmpty(clusterSecret) ? string.Empty : $"{PeerProtocolHeaders.Secret}: {clusterSecret}\r\n";
        _headers = Encoding.UTF8.GetBytes($"Host: {peer.Authority}\r\n{secret}\r\n");
    }

    /// <summary>A pool for an http:// peer; null for https:// ones, which go through HttpClient.</summary>
    public static PeerConnectionPool? For(string peer, string? clusterSecret)
    {
        var uri = new Uri(peer, UriKind.Absolute);
        return uri.Scheme == Uri.UriSchemeHttp ? new PeerConnectionPool(uri, clusterSecret) : null;
    }

    /// <summary>GETs <paramref name="path"/> (already escaped); the answer's body is a pooled array the caller returns.</summary>
    /// <remarks>
    /// <paramref name="cancellationToken"/> ends a fetch by closing its connection, which fails the
    /// send or receive under way; that failure is reported as an <see cref="OperationCanceledException"/>.
    /// </remarks>
    public async ValueTask<PeerAnswer> GetAsync(string path, int maxBodyBytes, CancellationToken cancellationToken, string? traceParent = null)
    {
        string traceHeader = traceParent is null ? string.Empty : $"{Diagnostics.GroupCacheTracing.TraceParentHeader}: {traceParent}\r\n";
        byte[] request = ArrayPool<byte>.Shared.Rent(4 + path.Length + 11 + traceHeader.Length + _headers.Length);
        try
        {
            int length = BuildGet(path, traceHeader, request);
            for (int attempt = 0; ; attempt++)
            {
                var (connection, reused) = await RentAsync(cancellationToken).ConfigureAwait(false);
                bool keep = false;
                try
                {
                    PeerAnswer answer;
                    using (cancellationToken.UnsafeRegister(static c => ((PeerConnection)c!).Abort(), connection))
                    {
                        answer = await connection.ExchangeAsync(request.AsMemory(0, length), maxBodyBytes).ConfigureAwait(false);
                    }

                    // A timeout that fired just as the answer arrived may have closed the socket.
                    keep = answer.Reusable && !cancellationToken.IsCancellationRequested;
                    return answer;
                }
                catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    // The timeout closed the socket under a send or receive.
                    throw new OperationCanceledException(cancellationToken);
                }
                catch (IOException) when (reused && attempt == 0 && !connection.ReceivedAny)
                {
                    // The peer closed a kept-alive connection (a clean end, not a reset) before
                    // answering: it had dropped the idle connection just as we took it. Once more
                    // on a new one; a GET asks for nothing to change. A reset is not retried: the
                    // peer may have read the request and answered garbage the reset discarded.
                }
                finally
                {
                    if (keep)
                    {
                        Return(connection);
                    }
                    else
                    {
                        connection.Dispose();
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(request);
        }
    }

    public void Dispose()
    {
        PeerConnection[] idle;
        lock (_lock)
        {
            _disposed = true;
            idle = [.. _idle];
            _idle.Clear();
        }

        foreach (var connection in idle)
        {
            connection.Dispose();
        }
    }

    private int BuildGet(string path, string traceHeader, byte[] request)
    {
        // "GET {path} HTTP/1.1\r\n", the trace header when a trace runs, then the fixed headers;
        // the path is ASCII (query-escaped), and so is a traceparent.
        "GET "u8.CopyTo(request);
        int at = 4 + Encoding.ASCII.GetBytes(path, request.AsSpan(4));
        " HTTP/1.1\r\n"u8.CopyTo(request.AsSpan(at));
        at += 11;
        at += Encoding.ASCII.GetBytes(traceHeader, request.AsSpan(at));
        _headers.CopyTo(request.AsSpan(at));
        return at + _headers.Length;
    }

    private async ValueTask<(PeerConnection Connection, bool Reused)> RentAsync(CancellationToken cancellationToken)
    {
        long now = Stopwatch.GetTimestamp();
        while (true)
        {
            PeerConnection? idle;
            lock (_lock)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _idle.TryPop(out idle);
            }

            if (idle is null)
            {
                break;
            }

            if (now - idle.IdleSinceTicks < MaxIdleTicks && now - idle.OpenedTicks < MaxLifetimeTicks && !idle.IsStale())
            {
                return (idle, true);
            }

            idle.Dispose();
        }

        return (await PeerConnection.OpenAsync(_host, _port, cancellationToken).ConfigureAwait(false), false);
    }

    private void Return(PeerConnection connection)
    {
        connection.IdleSinceTicks = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (!_disposed && _idle.Count < MaxIdle)
            {
                _idle.Push(connection);
                return;
            }
        }

        connection.Dispose();
    }
}
