namespace GroupCache.SingleFlight;

/// <summary>
/// Duplicate-call suppression: while a call for a key is in flight, further calls for that key
/// wait for it and share its result or its exception, instead of running again.
/// </summary>
/// <remarks>
/// The shared work runs on its own: a caller whose token is cancelled stops waiting, but the work
/// goes on for the others (and for whoever asks next while it still runs). The key is forgotten
/// as soon as the work completes, so a later call runs the work again.
/// </remarks>
public sealed class FlightGroup<T>
{
    private readonly Lock _lock = new(); // guards _calls
    private readonly Dictionary<string, Task<T>> _calls = new(StringComparer.Ordinal);

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
    public Task<T> DoAsync(string key, Func<Task<T>> work, CancellationToken cancellationToken = default) =>
        DoAsync(key, work, out _, cancellationToken);

    /// <summary>Runs <paramref name="work"/> for <paramref name="key"/> unless a call for it is already in flight, and tells which caller ran it.</summary>
    /// <param name="key">The call's key.</param>
    /// <param name="work">The work that runs once for all overlapping callers.</param>
    /// <param name="shared">False for the one caller whose call runs the work; true for those who joined it.</param>
    /// <param name="cancellationToken">Cancels this caller's wait only, not the shared work.</param>
    public Task<T> DoAsync(string key, Func<Task<T>> work, out bool shared, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(work);

        TaskCompletionSource<T>? owner = null;
        Task<T>? call;
        lock (_lock)
        {
            if (!_calls.TryGetValue(key, out call))
            {
                owner = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                call = owner.Task;
                _calls.Add(key, call);
            }
        }

        shared = owner is null;
        if (owner is not null)
        {
            _ = RunAsync(key, work, owner);
        }

        return cancellationToken.CanBeCanceled ? call.WaitAsync(cancellationToken) : call;
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

    private async Task RunAsync(string key, Func<Task<T>> work, TaskCompletionSource<T> owner)
    {
        T result;
        try
        {
            result = await work().ConfigureAwait(false);
        }
        catch (OperationCanceledException ex)
        {
            Complete(key, owner);
            owner.TrySetCanceled(ex.CancellationToken);
            return;
        }
        catch (Exception ex)
        {
            Complete(key, owner);
            owner.TrySetException(ex);
            return;
        }

        Complete(key, owner);
        owner.TrySetResult(result);
    }

    private void Complete(string key, TaskCompletionSource<T> owner)
    {
        lock (_lock)
        {
            // Only remove our own call: Forget may already have let a newer one take the key.
            if (_calls.TryGetValue(key, out var current) && ReferenceEquals(current, owner.Task))
            {
                _calls.Remove(key);
            }
        }
    }
}
