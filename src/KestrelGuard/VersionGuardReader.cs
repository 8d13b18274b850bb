using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace KestrelGuard;

/// <summary>
/// The connection's input as Kestrel sees it: the client's bytes unchanged, except that a request
/// line with an unknown HTTP version is replaced by one Kestrel refuses with 400 instead of 505.
/// </summary>
/// <remarks>
/// Kestrel answers <c>HTTP/9.9</c> or <c>http/1.1</c> with <c>505 HTTP Version Not Supported</c>
/// before any middleware runs, and a client's malformed request should never get a 5xx from us.
/// The bytes of earlier requests are handed over first, so Kestrel answers them in order and then
/// meets the replacement line where the bad one began. Nothing is copied: Kestrel reads the
/// transport's own buffers, at most cut short at the start of the bad line.
/// </remarks>
internal sealed class VersionGuardReader : PipeReader, IValueTaskSource<ReadResult>
{
    // Not a request line: '(' cannot start a method, so Kestrel answers 400 and closes.
    private static readonly ReadOnlySequence<byte> Replacement = new("(\r\n"u8.ToArray());

    private readonly RequestFramer _framer = new();
    private long _consumed;               // offset of the inner buffer's start from the connection's first byte
    private ReadOnlySequence<byte> _given; // the inner buffer behind the last result handed out
    private long _cutAt = -1;             // length of the last result when it was cut short, else -1
    private bool _gaveReplacement;
    private bool _passThrough;

    // A read that has to wait (on a kept-alive connection, nearly every read waits for the client's
    // next request) completes through this reader itself: a PipeReader has one read outstanding at
    // a time, so one reusable completion per connection replaces an allocation per request.
    private readonly PipeReader _inner;
    private readonly Action _onInnerRead;
    private ManualResetValueTaskSourceCore<ReadResult> _waitingRead;
    private ValueTaskAwaiter<ReadResult> _innerRead;

    public VersionGuardReader(PipeReader inner)
    {
        _inner = inner;
        _onInnerRead = OnInnerRead;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (ReplacementIsNext)
            return new ValueTask<ReadResult>(GiveReplacement());

        var pending = _inner.ReadAsync(cancellationToken);
        if (pending.IsCompleted)
        {
            try
            {
                return new ValueTask<ReadResult>(Filter(pending.GetAwaiter().GetResult()));
            }
            catch (Exception ex)
            {
                return ValueTask.FromException<ReadResult>(ex);
            }
        }

        _waitingRead.Reset();
        _innerRead = pending.GetAwaiter();
        _innerRead.UnsafeOnCompleted(_onInnerRead);
        return new ValueTask<ReadResult>(this, _waitingRead.Version);
    }

    private void OnInnerRead()
    {
        ReadResult filtered;
        try
        {
            var awaiter = _innerRead;
            _innerRead = default;
            filtered = Filter(awaiter.GetResult());
        }
        catch (Exception ex)
        {
            _waitingRead.SetException(ex);
            return;
        }

        _waitingRead.SetResult(filtered);
    }

    ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => _waitingRead.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => _waitingRead.GetStatus(token);

    void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waitingRead.OnCompleted(continuation, state, token, flags);

    public override bool TryRead(out ReadResult result)
    {
        if (ReplacementIsNext)
        {
            result = GiveReplacement();
            return true;
        }

        if (!_inner.TryRead(out var read))
        {
            result = default;
            return false;
        }

        result = Filter(read);
        return true;
    }

    private bool ReplacementIsNext => _framer.Rejected && !_passThrough && _consumed == _framer.RejectedLineStart;

    private ReadResult GiveReplacement()
    {
        _gaveReplacement = true;
        return new ReadResult(Replacement, isCanceled: false, isCompleted: true);
    }

    private ReadResult Filter(ReadResult read)
    {
        _given = read.Buffer;
        _cutAt = -1;
        _gaveReplacement = false;
        if (_passThrough)
            return read;

        var buffer = read.Buffer;
        long seen = _framer.Position - _consumed;
        if (!_framer.Stopped && buffer.Length > seen)
        {
            foreach (var segment in buffer.Slice(seen))
            {
                _framer.Scan(segment.Span);
                if (_framer.Stopped)
                    break;
            }
        }

        if (!_framer.Rejected)
        {
            _passThrough = _framer.Stopped;
            return read;
        }

        long before = _framer.RejectedLineStart - _consumed;
        if (before == 0)
        {
            _inner.AdvanceTo(buffer.Start);
            return GiveReplacement();
        }

        _cutAt = before;
        return new ReadResult(buffer.Slice(0, before), read.IsCanceled, isCompleted: false);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        if (_gaveReplacement)
            return;

        long consumedLength = _given.Slice(_given.Start, consumed).Length;
        if (_cutAt >= 0 && consumedLength < _cutAt && _given.Slice(_given.Start, examined).Length >= _cutAt)
        {
            // Kestrel looked at everything up to the bad line and wants more before it is done with
            // the request in front of it: it frames the stream differently than we do. Step aside.
            _passThrough = true;
        }

        _consumed += consumedLength;
        _inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _inner.CompleteAsync(exception);
}
