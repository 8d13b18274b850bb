using System.Text;

namespace KestrelGuard;

/// <summary>
/// Follows the HTTP/1.1 request stream of one connection far enough to know where every request line
/// starts (request line, headers, a Content-Length or chunked body) and flags the first request line
/// whose version is not <c>HTTP/1.0</c> or <c>HTTP/1.1</c>.
/// </summary>
/// <remarks>
/// It only has to agree with Kestrel on requests Kestrel accepts: a request Kestrel rejects closes
/// the connection, so what the framer thinks comes after it never matters. Wherever it cannot be
/// sure (an upgrade, CONNECT, a body length it cannot read) it stops looking, and the connection
/// goes on exactly as without the guard.
/// </remarks>
internal sealed class RequestFramer
{
    private const int HeadCapacity = 64;
    private const int TailCapacity = 16;

    private State _state = State.RequestLine;
    private long _position;
    private long _lineStart;
    private long _remaining;

    // The current line: its first bytes (enough for a header name and a short value) and its last
    // bytes (enough for the version at the end of a request line), never the whole line.
    private readonly byte[] _head = new byte[HeadCapacity];
    private readonly byte[] _tail = new byte[TailCapacity];
    private int _headLength;
    private int _tailLength;
    private long _lineLength;

    // What the current request's headers say about its body.
    private bool _endsInTunnel;
    private bool _chunked;
    private long _contentLength = -1;

    private enum State { RequestLine, HeaderLine, Body, ChunkSizeLine, ChunkData, ChunkDataEnd, TrailerLine, Stopped, Rejected }

    /// <summary>True once a request line with an unknown version has been seen; see <see cref="RejectedLineStart"/>.</summary>
    public bool Rejected => _state == State.Rejected;

    /// <summary>True when the framer no longer follows the stream (rejected, or unsure how it goes on).</summary>
    public bool Stopped => _state is State.Stopped or State.Rejected;

    /// <summary>Offset from the connection's first byte at which the rejected request line starts.</summary>
    public long RejectedLineStart { get; private set; } = -1;

    /// <summary>Bytes scanned so far.</summary>
    public long Position => _position;

    /// <summary>Follows the next bytes of the connection; stops early at a rejected line.</summary>
    public void Scan(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty && !Stopped)
        {
            int used = _state switch
            {
                State.Body or State.ChunkData => SkipBody(data),
                _ => TakeLine(data),
            };
            data = data[used..];
            _position += used;
        }
    }

    private int SkipBody(ReadOnlySpan<byte> data)
    {
        int take = (int)Math.Min(_remaining, data.Length);
        _remaining -= take;
        if (_remaining == 0)
            _state = _state == State.Body ? State.RequestLine : State.ChunkDataEnd;
        return take;
    }

    private int TakeLine(ReadOnlySpan<byte> data)
    {
        if (_lineLength == 0)
            _lineStart = _position;

        int lf = data.IndexOf((byte)'\n');
        Append(lf < 0 ? data : data[..lf]);
        if (lf < 0)
            return data.Length;

        EndLine();
        _headLength = 0;
        _tailLength = 0;
        _lineLength = 0;
        return lf + 1;
    }

    private void Append(ReadOnlySpan<byte> part)
    {
        if (_headLength < HeadCapacity)
        {
            int n = Math.Min(HeadCapacity - _headLength, part.Length);
            part[..n].CopyTo(_head.AsSpan(_headLength));
            _headLength += n;
        }

        if (part.Length >= TailCapacity)
        {
            part[^TailCapacity..].CopyTo(_tail);
            _tailLength = TailCapacity;
        }
        else
        {
            int keep = Math.Min(_tailLength, TailCapacity - part.Length);
            _tail.AsSpan(_tailLength - keep, keep).CopyTo(_tail);
            part.CopyTo(_tail.AsSpan(keep));
            _tailLength = keep + part.Length;
        }

        _lineLength += part.Length;
    }

    private void EndLine()
    {
        // A line ends at LF; a CR before it is part of the terminator.
        long length = _lineLength;
        int tailLength = _tailLength;
        if (tailLength > 0 && _tail[tailLength - 1] == (byte)'\r')
        {
            length--;
            tailLength--;
        }

        bool whole = length <= _headLength;
        var head = _head.AsSpan(0, (int)Math.Min(length, _headLength));
        switch (_state)
        {
            case State.RequestLine:
                EndRequestLine(length, _tail.AsSpan(0, tailLength), head);
                break;
            case State.HeaderLine:
                EndHeaderLine(length, head, whole);
                break;
            case State.ChunkSizeLine:
                EndChunkSizeLine(head, whole);
                break;
            case State.ChunkDataEnd:
                _state = length == 0 ? State.ChunkSizeLine : State.Stopped;
                break;
            case State.TrailerLine:
                if (length == 0)
                    _state = State.RequestLine;
                break;
        }
    }

    private void EndRequestLine(long length, ReadOnlySpan<byte> tail, ReadOnlySpan<byte> head)
    {
        // Empty lines before a request line are not requests (RFC 9112 2.2); leave them to Kestrel.
        if (length == 0)
            return;

        if (!tail.EndsWith(" HTTP/1.1"u8) && !tail.EndsWith(" HTTP/1.0"u8))
        {
            // Kestrel accepts only lines ending in one of those two, so it would refuse this one
            // anyway: with 505 when the last token is eight bytes long, with 400 otherwise.
            RejectedLineStart = _lineStart;
            _state = State.Rejected;
            return;
        }

        // After CONNECT the connection may become a tunnel; nothing after it is ours to read.
        _endsInTunnel = head.StartsWith("CONNECT "u8);
        _chunked = false;
        _contentLength = -1;
        _state = State.HeaderLine;
    }

    private void EndHeaderLine(long length, ReadOnlySpan<byte> head, bool whole)
    {
        if (length == 0)
        {
            EndHeaders();
            return;
        }

        int colon = head.IndexOf((byte)':');
        if (colon < 0)
        {
            if (!whole)
                _state = State.Stopped; // a name longer than we keep: cannot tell which header it is
            return;
        }

        var name = head[..colon];
        var value = head[(colon + 1)..].Trim(" \t"u8);
        if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
        {
            // Kestrel refuses a Transfer-Encoding whose last coding is not chunked, so a request it
            // keeps reading has a chunked body, whatever Content-Length says.
            _chunked = true;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
        {
            if (!whole || _contentLength >= 0 || !TryParseLength(value, out _contentLength))
                _state = State.Stopped;
        }
        else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
        {
            // "Connection: upgrade" makes the rest of the connection the request's body in Kestrel.
            if (!whole || ContainsIgnoreCase(value, "upgrade"u8))
                _endsInTunnel = true;
        }
    }

    private void EndHeaders()
    {
        if (_endsInTunnel)
            _state = State.Stopped;
        else if (_chunked)
            _state = State.ChunkSizeLine;
        else if (_contentLength > 0)
        {
            _remaining = _contentLength;
            _state = State.Body;
        }
        else
            _state = State.RequestLine;
    }

    private void EndChunkSizeLine(ReadOnlySpan<byte> head, bool whole)
    {
        long size = 0;
        int digits = 0;
        while (digits < head.Length && HexValue(head[digits]) is int value and >= 0)
        {
            if (digits == 15)
            {
                _state = State.Stopped;
                return;
            }

            size = size * 16 + value;
            digits++;
        }

        // A chunk size, then either the end of the line or ';' and extensions we do not read.
        bool endsWell = digits < head.Length ? head[digits] == (byte)';' : whole;
        if (digits == 0 || !endsWell)
        {
            _state = State.Stopped;
            return;
        }

        if (size == 0)
            _state = State.TrailerLine;
        else
        {
            _remaining = size;
            _state = State.ChunkData;
        }
    }

    private static bool TryParseLength(ReadOnlySpan<byte> text, out long length)
    {
        length = 0;
        if (text.IsEmpty || text.Length > 18)
            return false;
        foreach (byte b in text)
        {
            if (b is < (byte)'0' or > (byte)'9')
                return false;
            length = length * 10 + (b - '0');
        }

        return true;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static bool ContainsIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> word)
    {
        for (int i = 0; i + word.Length <= text.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(text.Slice(i, word.Length), word))
                return true;
        }

        return false;
    }
}
