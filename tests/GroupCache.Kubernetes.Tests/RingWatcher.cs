namespace GroupCache.Kubernetes.Tests;

/// <summary>Reads a peer source in the background, as the host does, and keeps every set it gave.</summary>
internal sealed class RingWatcher : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<IReadOnlyList<string>> _sets = [];
    private readonly Task _reading;

    public RingWatcher(KubernetesPeerSource source)
    {
        _reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var set in source.WatchAsync(_stop.Token))
                {
                    lock (_sets)
                    {
                        _sets.Add([.. set]);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        });
    }

    public IReadOnlyList<IReadOnlyList<string>> Sets
    {
        get
        {
            lock (_sets)
            {
                return [.. _sets];
            }
        }
    }

    public IReadOnlyList<string>? Current => Sets.LastOrDefault();

    /// <summary>Waits (generously: the machine is shared) until the newest set is <paramref name="expected"/>.</summary>
    public Task<IReadOnlyList<string>> WaitForAsync(params string[] expected) =>
        WaitUntilAsync(set => set.SequenceEqual(expected.Order(StringComparer.Ordinal)), $"[{string.Join(", ", expected)}]");

    public async Task<IReadOnlyList<string>> WaitUntilAsync(Func<IReadOnlyList<string>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (Current is { } set && condition(set))
            {
                return set;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"the ring never became {what}; the sets were:\n{string.Join("\n", Sets.Select(s => string.Join(", ", s)))}");
    }

    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"never: {what}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        _stop.Dispose();
    }
}
