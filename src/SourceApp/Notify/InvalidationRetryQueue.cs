using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SourceApp.Notify;

/// <summary>
/// Keys that a cache node did not confirm in time, retried in the background until it does: one loop per
/// node, which sends the node's oldest pending key and moves to the next once the node confirms; on a
/// failure it waits (backoff doubling up to a cap) and tries the same key again, so a node that is down
/// costs one request per backoff, not one per key. Each node holds at most a bounded number of distinct
/// pending keys; past that, new keys are dropped and logged.
/// </summary>
/// <remarks>
/// The source knows the nodes only by its <c>-notify</c> list, so a node is retried for as long as it is
/// listed: a node that restarted comes back with empty caches and confirms at once.
/// </remarks>
public sealed class InvalidationRetryQueue : BackgroundService
{
    public const int DefaultCapacityPerNode = 10_000;
    public static readonly TimeSpan DefaultFirstBackoff = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(5);

    private readonly Dictionary<Uri, PendingKeys> _nodes;
    private readonly InvalidationSender _sender;
    private readonly ILogger _logger;
    private readonly TimeSpan _firstBackoff;
    private readonly TimeSpan _maxBackoff;
    private long _dropped;

    public InvalidationRetryQueue(IReadOnlyList<Uri> nodes, InvalidationSender sender, ILogger logger,
        int capacityPerNode, TimeSpan firstBackoff, TimeSpan maxBackoff)
    {
        _nodes = nodes.Distinct().ToDictionary(node => node, _ => new PendingKeys(capacityPerNode));
        _sender = sender;
        _logger = logger;
        _firstBackoff = firstBackoff;
        _maxBackoff = maxBackoff;
    }

    /// <summary>Keys given up because a node's queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>How many keys wait for <paramref name="node"/> now.</summary>
    public int PendingFor(Uri node) => _nodes[node].Count;

    /// <summary>Called when a node confirmed a retried key. For tests.</summary>
    internal Action<Uri, string>? Confirmed { get; set; }

    /// <summary>Queues <paramref name="key"/> for <paramref name="node"/>, unless it already waits there.</summary>
    public void Add(Uri node, string key)
    {
        if (!_nodes[node].TryAdd(key))
        {
            Interlocked.Increment(ref _dropped);
            Log.NotifyRetryQueueFull(_logger, node.ToString(), key);
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
                var key = await pending.PeekAsync(stoppingToken);
                if (await _sender.TrySendAsync(node, key, stoppingToken))
                {
                    pending.Remove(key);
                    backoff = _firstBackoff;
                    Confirmed?.Invoke(node, key);
                    continue;
                }

                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _maxBackoff.Ticks));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still pending is lost, as the node's caches are when it stops.
        }
    }

    /// <summary>One node's keys in the order they first failed, each at most once.</summary>
    private sealed class PendingKeys(int capacity)
    {
        private readonly Lock _lock = new(); // guards _order and _set
        private readonly LinkedList<string> _order = new();
        private readonly HashSet<string> _set = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _added = new(0);

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _set.Count;
                }
            }
        }

        /// <summary>False when the queue is full (a key already waiting counts as added).</summary>
        public bool TryAdd(string key)
        {
            lock (_lock)
            {
                if (_set.Contains(key))
                {
                    return true;
                }

                if (_set.Count >= capacity)
                {
                    return false;
                }

                _set.Add(key);
                _order.AddLast(key);
            }

            _added.Release();
            return true;
        }

        /// <summary>The oldest pending key, once there is one; it stays queued until <see cref="Remove"/>.</summary>
        public async Task<string> PeekAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                lock (_lock)
                {
                    if (_order.First is { } first)
                    {
                        return first.Value;
                    }
                }

                await _added.WaitAsync(cancellationToken);
            }
        }

        public void Remove(string key)
        {
            lock (_lock)
            {
                if (_set.Remove(key))
                {
                    _order.Remove(key);
                }
            }
        }
    }
}
