using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace GroupCache.Http;

/// <summary>
/// One kept-alive HTTP/1.1 connection to a peer, asking one GET at a time and reading the answer:
/// status, the few headers the protocol needs, and a body framed by Content-Length, chunked, or
/// by the end of the connection.
/// </summary>
internal sealed class PeerConnection : IDisposable
{
    private const int BufferBytes = 16 * 1024; // also the most a status line and headers may take

    private readonly Socket _socket;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferBytes);
    private int _start; // unread bytes are _buffer[_start.._end]
    private int _end;
    private int _disposed;

    public PeerConnection(Socket socket) => _socket = socket;

    /// <summary>When the connection was opened, for renewing old connections.</summary>
    public long OpenedTicks { get; } = Stopwatch.GetTimestamp();

    /// <summary>When the connection went back to its pool, for dropping connections idle too long.</summary>
    public long IdleSinceTicks { get; set; }

    /// <summary>True once the peer has sent any byte of the current answer.</summary>
    public bool ReceivedAny { get; private set; }

    public static async ValueTask<PeerConnection> OpenAsync(string host, int port, System.Net.IPAddress? localAddress, CancellationToken cancellationToken) =>
        new(await OutgoingConnections.ConnectAsync(host, port, localAddress, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// True when an idle connection can no longer carry a request: the peer closed it, or sent
    /// bytes nobody asked for. (A request sent on it would fail, or be read by a peer that then
    /// saw it twice once asked again.)
    /// </summary>
    public bool IsStale()
    {
        try
        {
            return _socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>Closes the socket, which ends any send or receive in progress (used on timeout).</summary>
    public void Abort() => _socket.Dispose();

    /// <remarks>
    /// Sends and receives are not cancellable one by one: to end an exchange, <see cref="Abort"/>
    /// the connection (a registration per socket call would cost more than the call).
    /// </remarks>
    public async ValueTask<PeerAnswer> ExchangeAsync(ReadOnlyMemory<byte> request, int maxBodyBytes)
    {
        ReceivedAny = false;
        while (!request.IsEmpty)
        {
            int sent = await _socket.SendAsync(request, SocketFlags.None).ConfigureAwait(false);
            request = request[sent..];
        }

        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end - _start == _buffer.Length)
            {
                throw new InvalidDataException($"The peer's status line and headers exceed {BufferBytes} bytes.");
            }

            if (!await ReceiveAsync().ConfigureAwait(false))
            {
                throw new IOException("The peer closed the connection before answering.");
            }
        }

        var head = ParseHead(_buffer.AsSpan(_start, headerEnd));
        _start += headerEnd + 4;

        byte[] body;
        int length;
        bool reusable = head.KeepAlive;
        if (head.Status is 204 or 304 or < 200)
        {
            (body, length) = (ArrayPool<byte>.Shared.Rent(0), 0);
        }
        else if (head.Chunked)
        {
            (body, length) = await ReadChunkedAsync(maxBodyBytes).ConfigureAwait(false);
        }
        else if (head.ContentLength >= 0)
        {
            if (head.ContentLength > maxBodyBytes)
            {
                throw new InvalidDataException($"The peer announced {head.ContentLength} bytes; at most {maxBodyBytes} are read.");
            }

            (body, length) = await ReadExactlyAsync((int)head.ContentLength).ConfigureAwait(false);
        }
        else
        {
            (body, length) = await ReadToEndAsync(maxBodyBytes).ConfigureAwait(false);
            reusable = false;
        }

        // Bytes after the answer were never asked for: the connection is out of step.
        reusable &= _start == _end;
        return new PeerAnswer(head.Status, head.Reason, head.NotFound, body, length, reusable);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _socket.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private async ValueTask<bool> ReceiveAsync()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            // Move what is unread to the front to make room.
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        int n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None).ConfigureAwait(false);
        if (n == 0)
        {
            return false;
        }

        _end += n;
        ReceivedAny = true;
        return true;
    }

    private async ValueTask<(byte[] Body, int Length)> ReadExactlyAsync(int length)
    {
        byte[] body = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            int have = Math.Min(length, _end - _start);
            _buffer.AsSpan(_start, have).CopyTo(body);
            _start += have;
            while (have < length)
            {
                int n = await _socket.ReceiveAsync(body.AsMemory(have, length - have), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new IOException($"The peer closed the connection after {have} of {length} bytes.");
                }

                have += n;
            }

            return (body, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(body);
            throw;
        }
    }

    private async ValueTask<(byte[] Body, int Length)> ReadToEndAsync(int maxBodyBytes)
    {
        var body = new GrowingBuffer(maxBodyBytes);
        try
        {
            while (true)
            {
                body.Append(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                if (!await ReceiveAsync().ConfigureAwait(false))
                {
                    return body.Detach();
                }
            }
        }
        finally
        {
            body.Dispose();
        }
    }

    private async ValueTask<(byte[] Body, int Length)> ReadChunkedAsync(int maxBodyBytes)
    {
        var body = new GrowingBuffer(maxBodyBytes);
        try
        {
            while (true)
            {
                string line = await ReadLineAsync().ConfigureAwait(false);
                int end = line.IndexOf(';');
                var digits = (end < 0 ? line : line[..end]).Trim();
                if (!long.TryParse(digits, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out long size) || size < 0)
                {
                    throw new InvalidDataException("The peer sent a malformed chunk size.");
                }

                if (size == 0)
                {
                    // Trailer fields, then the empty line that ends the body.
                    while ((await ReadLineAsync().ConfigureAwait(false)).Length != 0)
                    {
                    }

                    return body.Detach();
                }

                if (size > maxBodyBytes - body.Length)
                {
                    throw new InvalidDataException($"The peer sent more than {maxBodyBytes} bytes.");
                }

                long left = size;
                while (left > 0)
                {
                    if (_start == _end && !await ReceiveAsync().ConfigureAwait(false))
                    {
                        throw new IOException("The peer closed the connection inside a chunk.");
                    }

                    int take = (int)Math.Min(left, _end - _start);
                    body.Append(_buffer.AsSpan(_start, take));
                    _start += take;
                    left -= take;
                }

                if ((await ReadLineAsync().ConfigureAwait(false)).Length != 0)
                {
                    throw new InvalidDataException("The peer's chunk did not end where its size said.");
                }
            }
        }
        finally
        {
            body.Dispose();
        }
    }

    private async ValueTask<string> ReadLineAsync()
    {
        int lf;
        while ((lf = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n')) < 0)
        {
            if (_end - _start == _buffer.Length)
            {
                throw new InvalidDataException("The peer sent a line longer than the buffer.");
            }

            if (!await ReceiveAsync().ConfigureAwait(false))
            {
                throw new IOException("The peer closed the connection inside a chunked body.");
            }
        }

        var line = _buffer.AsSpan(_start, lf);
        _start += lf + 1;
        return Encoding.Latin1.GetString(line.EndsWith("\r"u8) ? line[..^1] : line);
    }

    private static Head ParseHead(ReadOnlySpan<byte> head)
    {
        int lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];

        // "HTTP/1.1 200 OK"
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || statusLine[8] != (byte)' '
            || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out int used) || used != 3)
        {
            throw new InvalidDataException("The peer did not answer with an HTTP/1.x status line.");
        }

        bool keepAlive = statusLine[7] == (byte)'1';
        string reason = status == 200 ? string.Empty : Encoding.Latin1.GetString(statusLine[Math.Min(13, statusLine.Length)..]);
        long contentLength = -1;
        bool chunked = false;
        bool notFound = false;
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            int end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out contentLength, out int n) || n != value.Length || contentLength < 0)
                {
                    throw new InvalidDataException("The peer sent a malformed Content-Length.");
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                if (!Ascii.EqualsIgnoreCase(value, "chunked"u8))
                {
                    throw new InvalidDataException("The peer sent a transfer coding other than chunked.");
                }

                chunked = true;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                if (Ascii.EqualsIgnoreCase(value, "close"u8))
                {
                    keepAlive = false;
                }
                else if (Ascii.EqualsIgnoreCase(value, "keep-alive"u8))
                {
                    keepAlive = true;
                }
            }
            else if (Ascii.EqualsIgnoreCase(name, PeerProtocolHeaders.NotFoundUtf8))
            {
                notFound = true;
            }
        }

        return new Head(status, reason, contentLength, chunked, keepAlive, notFound);
    }

    private readonly record struct Head(int Status, string Reason, long ContentLength, bool Chunked, bool KeepAlive, bool NotFound);

    /// <summary>A pooled array that doubles as a body of unknown length arrives, up to a limit.</summary>
    private struct GrowingBuffer(int limit) : IDisposable
    {
        private byte[]? _array;

        public int Length { get; private set; }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > limit - Length)
            {
                throw new InvalidDataException($"The peer sent more than {limit} bytes.");
            }

            _array ??= ArrayPool<byte>.Shared.Rent(Math.Max(bytes.Length, 4096));
            if (Length + bytes.Length > _array.Length)
            {
                byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + bytes.Length, _array.Length * 2));
                _array.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_array);
                _array = larger;
            }

            bytes.CopyTo(_array.AsSpan(Length));
            Length += bytes.Length;
        }

        /// <summary>Hands the array to the caller, who returns it to the pool.</summary>
        public (byte[] Body, int Length) Detach()
        {
            var result = (_array ?? ArrayPool<byte>.Shared.Rent(0), Length);
            _array = null;
            return result;
        }

        public void Dispose()
        {
            if (_array is not null)
            {
                ArrayPool<byte>.Shared.Return(_array);
            }

            _array = null;
        }
    }
}

/// <summary>A peer's answer; <see cref="Body"/> is a pooled array the receiver returns.</summary>
internal readonly record struct PeerAnswer(int Status, string Reason, bool NotFound, byte[] Body, int Length, bool Reusable);
