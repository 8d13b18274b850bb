namespace Reliability.Tests.Partitions;

/// <summary>One node's ring as a <see cref="RingWatch"/> saw it change: when (ms on the scenario's clock) and what it became.</summary>
internal sealed record RingChange(string Observer, double AtMs, string[] Ring);

/// <summary>
/// Polls every node's ring (GET /api/admin/peers) every 100 ms while a scenario runs and keeps each
/// change, so that a scenario can count ring changes and time them.
/// </summary>
internal sealed class RingWatch : IAsyncDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);

    private readonly Func<TimeSpan> _clock;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<RingChange> _changes = []; // guarded by itself
    private readonly Task _polling;

    public RingWatch(IReadOnlyList<ProxiedNode> nodes, Func<TimeSpan> clock)
    {
        _clock = clock;
        _polling = Task.WhenAll(nodes.Select(n => Task.Run(() => PollAsync(n))));
    }

    /// <summary>Every change seen so far (the first sight of each node's ring included), in time order.</summary>
    public IReadOnlyList<RingChange> Changes
    {
        get
        {
            lock (_changes)
            {
                return [.. _changes.OrderBy(c => c.AtMs)];
            }
        }
    }

    /// <summary>The changes each observer saw after its first sight, by observer.</summary>
    public IReadOnlyDictionary<string, int> ChangeCounts() =>
        Changes.GroupBy(c => c.Observer).ToDictionary(g => g.Key, g => g.Count() - 1);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        _stop.Dispose();
    }

    private async Task PollAsync(ProxiedNode node)
    {
        string[]? last = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                string[] ring = await node.Node.RingAsync();
                if (last is null || !ring.SequenceEqual(last))
                {
                    lock (_changes)
                    {
                        _changes.Add(new RingChange(node.Name, Math.Round(_clock().TotalMilliseconds), ring));
                    }

                    last = ring;
                }

                await Task.Delay(Every, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (HttpRequestException)
            {
            }
        }
    }
}
