namespace GroupCache.SingleFlight;

/// <summary>
/// Duplicate-call suppression: while a call for a key is in flight, further calls for that key
/// wait for it and share its result or its exception, instead of running again.
/// </summary>
/// <remarks>
/// The shared work runs on its own: a caller whose token is cancelled stops waiting, but the work
/// goes on for the others (and for whoever asks next while it still runs). When the last caller
/// stops waiting, the work's own token is cancelled and the key is forgotten, so that work nobody
/// waits for (a getter stuck on a dead connection) neither runs on for nothing nor holds the key:
/// the next caller starts afresh. A caller whose token cannot be cancelled waits as long as the
/// work takes. The key is also forgotten as soon as the work completes, so a later call runs the
/// work again.
/// </remarks>
public sealed class FlightGroup<T>
{
    private readonly Lock _lock = new(); // guards _calls and every Flight's Waiters
    private readonly Dictionary<string, Flight> _calls = new(StringComparer.Ordinal);

    /// <summary>How many calls are in flight now.</summary>
    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _calls.Count;
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> for <paramref name="key"/> unless a call for it is already in flight.</summary>
    /// <remarks>
    /// The work cannot see that nobody waits any more: when the last caller stops waiting it runs on,
    /// and the key is forgotten all the same, so the next caller runs it again beside it. Work that can
    /// stop takes the overload whose work is given a token.
    /// </remarks>
    public Task<T> DoAsync(string key, Func<Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return DoAsync(key, _ => work(), out _, cancellationToken);
    }

    /// <summary>Runs <paramref name="work"/> for <paramref name="key"/> unless a call for it is already in flight, and tells which caller ran it.</summary>
    /// <param name="key">The call's key.</param>
    /// <param name="work">The work that runs once for all overlapping callers.</param>
    /// <param name="shared">False for the one caller whose call runs the work; true for those who joined it.</param>
    /// <param name="cancellationToken">Cancels this caller's wait only; the work runs on (see the overload above).</param>
    public Task<T> DoAsync(string key, Func<Task<T>> work, out bool shared, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return DoAsync(key, _ => work(), out shared, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="work"/> for <paramref name="key"/> unless a call for it is already in
    /// flight; the work's token is cancelled when no caller waits for it any more.
    /// </summary>
    public Task<T> DoAsync(string key, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default) =>
        DoAsync(key, work, out _, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> for <paramref name="key"/> unless a call for it is already in
    /// flight, and tells which caller ran it; the work's token is cancelled when no caller waits for it any more.
    /// </summary>
    /// <param name="key">The call's key.</param>
    /// <param name="work">The work that runs once for all overlapping callers, given a token that is cancelled when the last of them stops waiting.</param>
    /// <param name="shared">False for the one caller whose call runs the work; true for those who joined it.</param>
    /// <param name="cancellationToken">Cancels this caller's wait; the shared work only when no other caller waits.</param>
    public Task<T> DoAsync(string key, Func<CancellationToken, Task<T>> work, out bool shared, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(work);

        Flight? flight;
        bool owner = false;
        lock (_lock)
        {
            if (!_calls.TryGetValue(key, out flight))
            {
                flight = new Flight();
                _calls.Add(key, flight);
                owner = true;
            }

            // A caller that cannot cancel is never taken off again: it waits however long the work takes.
            flight.Waiters++;
        }

        shared = !owner;
        if (owner)
        {
            _ = RunAsync(key, work, flight);
        }

        return cancellationToken.CanBeCanceled ? WaitAsync(key, flight, cancellationToken) : flight.Result.Task;
    }

    /// <summary>
    /// Forgets the call in flight for <paramref name="key"/>, if any: it still completes for those
    /// already waiting, but the next caller starts the work afresh (used when the key is invalidated).
    /// To invalidate, first clear what the work reads (caches), then forget: a call that registers
    /// after this returned then cannot read the old state.
    /// </summary>
    public bool Forget(string key)
    {
        lock (_lock)
        {
            return _calls.Remove(key);
        }
    }

    /// <summary>Forgets every call in flight, as <see cref="Forget"/> forgets one (used when everything is invalidated).</summary>
    public void ForgetAll()
    {
        lock (_lock)
        {
            _calls.Clear();
        }
    }

    private async Task<T> WaitAsync(string key, Flight flight, CancellationToken cancellationToken)
    {
        try
        {
            return await flight.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Leave(key, flight);
            throw;
        }
    }

    /// <summary>One caller stopped waiting; the last one to leave abandons the work.</summary>
    private void Leave(string key, Flight flight)
    {
        lock (_lock)
        {
            if (--flight.Waiters > 0 || flight.Result.Task.IsCompleted)
            {
                return;
            }

            // Only our own call: Forget may already have let a newer one take the key.
            if (_calls.TryGetValue(key, out var current) && ReferenceEquals(current, flight))
            {
                _calls.Remove(key);
            }
        }

        // Outside the lock: cancelling runs the work's callbacks (an HTTP request's abort) inline.
        flight.Abandoned.Cancel();
    }

    private async Task RunAsync(string key, Func<CancellationToken, Task<T>> work, Flight flight)
    {
        var owner = flight.Result;
        T result;
        try
        {
            result = await work(flight.Abandoned.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            Complete(key, flight);
            owner.TrySetCanceled(ex.CancellationToken);
            return;
        }
        catch (Exception ex)
        {
            Complete(key, flight);
            owner.TrySetException(ex);
            return;
        }

        Complete(key, flight);
        owner.TrySetResult(result);
    }

    private void Complete(string key, Flight flight)
    {
        lock (_lock)
        {
            // Only remove our own call: Forget may already have let a newer one take the key.
            if (_calls.TryGetValue(key, out var current) && ReferenceEquals(current, flight))
            {
                _calls.Remove(key);
            }
        }
    }

    /// <summary>One call in flight: its result, how many callers wait for it, and the token its work is given.</summary>
    private sealed class Flight
    {
        public TaskCompletionSource<T> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Never disposed: it has no timer and no wait handle, and a late Leave may still cancel it.
        public CancellationTokenSource Abandoned { get; } = new();

        public int Waiters { get; set; }
    }
}
