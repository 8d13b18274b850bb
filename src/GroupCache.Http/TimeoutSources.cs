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
        if (_pool.TryDequeue(out var pooled))
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

        // The caller's token (a load nobody waits for any more) cancels the pooled source through a
        // registration, which the lease drops before the source goes back: a linked source instead
        // cost a source and a timer per request (about 0.7 KB on the peer path, docs/BENCHMARKS.md).
        var link = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), source)
            : default;
        return new Lease(this, source, link);
    }

    private void Return(CancellationTokenSource source, CancellationTokenRegistration link)
    {
        // Dispose waits for a callback already running, so the caller's token cannot cancel the
        // source once it is back in the pool and rented again.
        link.Dispose();

        // TryReset stops the timer and drops the registrations left on the token; it fails when
        // the source has been cancelled (the request timed out, or its caller gave up).
        if (source.TryReset())
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

    public readonly struct Lease(TimeoutSources owner, CancellationTokenSource source, CancellationTokenRegistration link) : IDisposable
    {
        public CancellationToken Token => source.Token;

        public void Dispose() => owner.Return(source, link);
    }
}
