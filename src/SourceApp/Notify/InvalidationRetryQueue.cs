using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SourceApp.Notify;

/// <summary>
/// Keys that a cache node did not confirm in time, retried in the background until it does: one loop per
/// node, which sends the key at the front of the node's queue and moves to the next once the node
/// confirms; on a failure it puts the key at the back and waits (backoff doubling up to a cap), so a node
/// that is down costs one request per backoff, not one per key, and a key the node keeps refusing does not
/// hold up the others. Each node holds at most a bounded number of distinct pending keys; past that, new
/// keys are dropped and logged.
/// </summary>
/// <remarks>
/// <para>
/// The source knows the nodes only by its <c>-notify</c> list, so a node is retried for as long as it is
/// listed: a node that restarted comes back with empty caches and confirms at once.
/// </para>
/// <para>
/// A key added again while its DELETE is in flight stays queued when that DELETE is confirmed, and is sent
/// once more: the node may have dropped the key before the newer write committed (and loaded the older
/// value again since), so that confirmation does not cover the newer write. It goes to the back, behind
/// the keys that waited meanwhile: a key written faster than a slow node answers would otherwise be
/// resent for ever and the node would never hear of the others.
/// </para>
/// </remarks>
public sealed class InvalidationRetryQueue : BackgroundService
{
    public const int DefaultCapacityPerNode = 10_000;
    public static readonly TimeSpan DefaultFirstBackoff = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(5);

    private readonly Dictionary<Uri, PendingKeys> _nodes;
    private readonly InvalidationSender _sender;
    private readonly NotifyWarnings _warnings;
    private readonly TimeSpan _firstBackoff;
    private readonly TimeSpan _maxBackoff;
    private long _dropped;

    public InvalidationRetryQueue(IReadOnlyList<Uri> nodes, InvalidationSender sender, ILogger logger,
        int capacityPerNode, TimeSpan firstBackoff, TimeSpan maxBackoff, TimeProvider? time = null)
    {
        _nodes = nodes.Distinct().ToDictionary(node => node, _ => new PendingKeys(capacityPerNode));
        _sender = sender;
        _warnings = new NotifyWarnings(logger, time ?? TimeProvider.System);
        _firstBackoff = firstBackoff;
        _maxBackoff = maxBackoff;
    }

    /// <summary>Keys given up because a node's queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>How many keys wait for <paramref name="node"/> now.</summary>
    public int PendingFor(Uri node) => _nodes[node].Count;

    /// <summary>Called when a node confirmed a retried key. For tests.</summary>
    internal Action<Uri, string>? Confirmed { get; set; }

    /// <summary>
    /// Queues <paramref name="key"/> for <paramref name="node"/>; a key that already waits there keeps its
    /// place, and a DELETE of it already in flight no longer takes it off the queue.
    /// </summary>
    public void Add(Uri node, string key)
    {
        if (!_nodes[node].TryAdd(key))
        {
            Interlocked.Increment(ref _dropped);
            _warnings.RetryQueueFull(node, key);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_nodes.Select(pair => RetryNodeAsync(pair.Key, pair.Value, stoppingToken)));

    private async Task RetryNodeAsync(Uri node, PendingKeys pending, CancellationToken stoppingToken)
    {
        var backoff = _firstBackoff;
        try
        {
            while (true)
            {
                var sent = await pending.PeekAsync(stoppingToken);
                if (await _sender.TrySendAsync(node, sent.Key, stoppingToken))
                {
                    pending.RemoveUnlessAddedSince(sent);
                    backoff = _firstBackoff;
                    Confirmed?.Invoke(node, sent.Key);
                    continue;
                }

                pending.MoveToBack(sent.Key);
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _maxBackoff.Ticks));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still pending is lost, as the node's caches are when it stops.
        }
    }

    /// <summary>A key as <see cref="PendingKeys.PeekAsync"/> handed it out, with the add it stands for.</summary>
    private readonly record struct PendingKey(string Key, long Generation);

    /// <summary>One node's keys in the order they first failed, each at most once.</summary>
    private sealed class PendingKeys(int capacity)
    {
        private readonly Lock _lock = new(); // guards _order and _generations
        private readonly LinkedList<string> _order = new();

        // Each waiting key and how many times it was added again while it waited: a confirmation
        // removes the key only if this has not changed since the key was handed out for sending.
        private readonly Dictionary<string, long> _generations = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _added = new(0);

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _generations.Count;
                }
            }
        }

        /// <summary>False when the queue is full (a key already waiting counts as added).</summary>
        public bool TryAdd(string key)
        {
            lock (_lock)
            {
                if (_generations.TryGetValue(key, out var generation))
                {
                    _generations[key] = generation + 1;
                    return true;
                }

                if (_generations.Count >= capacity)
                {
                    return false;
                }

                _generations.Add(key, 0);
                _order.AddLast(key);
            }

            // One wake-up is enough: the loop looks at the whole queue once it runs (and a count that
            // grew with every add while the queue never emptied would one day overflow).
            if (_added.CurrentCount == 0)
            {
                _added.Release();
            }

            return true;
        }

        /// <summary>The key at the front, once there is one; it stays queued until <see cref="RemoveUnlessAddedSince"/>.</summary>
        public async Task<PendingKey> PeekAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                lock (_lock)
                {
                    if (_order.First is { } first)
                    {
                        return new PendingKey(first.Value, _generations[first.Value]);
                    }
                }

                await _added.WaitAsync(cancellationToken);
            }
        }

        /// <summary>
        /// Takes the key off the queue, the node having confirmed <paramref name="sent"/>; a key added
        /// again since it was peeked stays, at the back, because the confirmation may predate that add.
        /// </summary>
        public void RemoveUnlessAddedSince(PendingKey sent)
        {
            lock (_lock)
            {
                if (!_generations.TryGetValue(sent.Key, out var generation))
                {
                    return;
                }

                _order.Remove(sent.Key);
                if (generation == sent.Generation)
                {
                    _generations.Remove(sent.Key);
                }
                else
                {
                    _order.AddLast(sent.Key);
                }
            }
        }

        /// <summary>Puts a key the node did not confirm behind the others.</summary>
        public void MoveToBack(string key)
        {
            lock (_lock)
            {
                if (_generations.ContainsKey(key) && _order.Last?.Value != key)
                {
                    _order.Remove(key);
                    _order.AddLast(key);
                }
            }
        }
    }
}
