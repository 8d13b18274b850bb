namespace Reliability.Tests.Partitions;

/// <summary>
/// One node's view as a <see cref="RingWatch"/> saw it change: when (ms on the scenario's clock),
/// its ring, and the members it held suspect (still on the ring, not heard of for two rounds).
/// </summary>
internal sealed record RingChange(string Observer, double AtMs, string[] Ring, string[] Suspects);

/// <summary>
/// Polls every node's ring and member states (GET /api/admin/peers) every 100 ms while a scenario
/// runs and keeps each change, so that a scenario can count ring changes and suspicions and time them.
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

    /// <summary>Every change of a ring seen so far (the first sight of each node's ring included), in time order.</summary>
    public IReadOnlyList<RingChange> Changes => [.. Snapshots().GroupBy(c => c.Observer).SelectMany(DistinctRings).OrderBy(c => c.AtMs)];

    /// <summary>The ring changes each observer saw after its first sight, by observer.</summary>
    public IReadOnlyDictionary<string, int> ChangeCounts() =>
        Changes.GroupBy(c => c.Observer).ToDictionary(g => g.Key, g => g.Count() - 1);

    /// <summary>How many times each observer began to suspect a member, by observer.</summary>
    public IReadOnlyDictionary<string, int> SuspicionCounts() =>
        Snapshots().GroupBy(c => c.Observer).ToDictionary(
            g => g.Key,
            g => g.Zip(g.Skip(1), (before, after) => after.Suspects.Except(before.Suspects).Count()).Sum());

    private static IEnumerable<RingChange> DistinctRings(IEnumerable<RingChange> snapshots)
    {
        string[]? last = null;
        foreach (var snapshot in snapshots)
        {
            if (last is null || !snapshot.Ring.SequenceEqual(last))
            {
                yield return snapshot;
                last = snapshot.Ring;
            }
        }
    }

    private List<RingChange> Snapshots()
    {
        lock (_changes)
        {
            return [.. _changes.OrderBy(c => c.AtMs)];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        _stop.Dispose();
    }

    private async Task PollAsync(ProxiedNode node)
    {
        RingChange? last = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var peers = await node.Node.PeersAsync();
                string[] ring = [.. peers.GetProperty("ring").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal)];
                string[] suspects = [.. peers.GetProperty("members").EnumerateArray()
                    .Where(m => m.GetProperty("state").GetString() == "suspect")
                    .Select(m => m.GetProperty("groupcacheAddr").GetString()!)
                    .Order(StringComparer.Ordinal)];
                if (last is null || !ring.SequenceEqual(last.Ring) || !suspects.SequenceEqual(last.Suspects))
                {
                    last = new RingChange(node.Name, Math.Round(_clock().TotalMilliseconds), ring, suspects);
                    lock (_changes)
                    {
                        _changes.Add(last);
                    }
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
