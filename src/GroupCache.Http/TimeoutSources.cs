using System.Collections.Concurrent;

namespace GroupCache.Http;

/// <summary>
/// Cancellation sources that time peer requests out, reused: a request that ends before its
/// timeout hands its source back, so that the common case allocates neither a source nor a timer.
/// </summary>
internal sealed class TimeoutSources(TimeSpan timeout)
{
    private const int MaxPooled = 256;
    private readonly ConcurrentQueue<CancellationTokenSource> _pool = new();
    private int _pooled; // approximately _pool.Count, without its cost

    /// <summary>A source that cancels after the timeout, or when <paramref name="cancellationToken"/> does.</summary>
    public Lease Rent(CancellationToken cancellationToken)
    {
        CancellationTokenSource source;
        bool reusable = !cancellationToken.CanBeCanceled;
        if (!reusable)
        {
            // A linked source holds a registration on the caller's token: not worth pooling.
            source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        }
        else if (_pool.TryDequeue(out var pooled))
        {
            Interlocked.Decrement(ref _pooled);
            source = pooled;
        }
        else
        {
            source = new CancellationTokenSource();
        }

        if (timeout != Timeout.InfiniteTimeSpan)
        {
            source.CancelAfter(timeout);
        }

        return new Lease(this, source, reusable);
    }

    private void Return(CancellationTokenSource source, bool reusable)
    {
        // TryReset stops the timer and drops the registrations left on the token; it fails when
        // the source has been cancelled (the request timed out).
        if (reusable && source.TryReset())
        {
            if (Interlocked.Increment(ref _pooled) <= MaxPooled)
            {
                _pool.Enqueue(source);
                return;
            }

            Interlocked.Decrement(ref _pooled);
        }

        source.Dispose();
    }

    public readonly struct Lease(TimeoutSources owner, CancellationTokenSource source, bool reusable) : IDisposable
    {
        public CancellationToken Token => source.Token;

        public void Dispose() => owner.Return(source, reusable);
    }
}
