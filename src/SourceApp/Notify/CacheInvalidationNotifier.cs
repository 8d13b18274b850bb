using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SourceApp.Telemetry;

namespace SourceApp.Notify;

/// <summary>
/// The fire-and-forget notifier (<c>-notify-async</c>). After each committed write, tells one cache node to drop the key (<c>DELETE {node}/api/data/{key}</c>),
/// in the background: a bounded queue, and for each key a few rounds over the nodes (the first node that
/// answers takes it; on failure the next is tried) with backoff between rounds, then the key is dropped
/// and logged. A full queue drops the new key and logs; the write itself is never held up.
/// </summary>
public sealed class CacheInvalidationNotifier : BackgroundService, IWriteNotifier
{
    public const int DefaultCapacity = 10_000;
    public const int DefaultRounds = 4;
    public static readonly TimeSpan DefaultBackoff = TimeSpan.FromMilliseconds(100);

    // Notifications are independent (a DELETE is idempotent), so a few run at once.
    private const int Workers = 4;

    private readonly IReadOnlyList<Uri> _nodes;
    private readonly Channel<string> _queue;
    private readonly InvalidationSender _sender;
    private readonly NotifyWarnings _warnings;
    private readonly int _rounds;
    private readonly TimeSpan _backoff;
    private readonly int _capacity;
    private int _nextNode; // round-robin start, so the load spreads over the nodes

    /// <param name="nodeSecret">The nodes' cluster secret, sent with each notification; null sends none.</param>
    /// <param name="metrics">Counts each attempt's outcome; null in tests that build the notifier alone.</param>
    public CacheInvalidationNotifier(IReadOnlyList<Uri> nodes, ILogger<CacheInvalidationNotifier> logger, string? nodeSecret = null, SourceMetrics? metrics = null)
        : this(nodes, logger, DefaultCapacity, DefaultRounds, DefaultBackoff, InvalidationSender.DefaultRequestTimeout, nodeSecret, metrics)
    {
    }

    internal CacheInvalidationNotifier(IReadOnlyList<Uri> nodes, ILogger logger, int capacity, int rounds, TimeSpan backoff, TimeSpan requestTimeout, string? nodeSecret = null, SourceMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(nodes.Count);
        _nodes = nodes;
        _warnings = new NotifyWarnings(logger, TimeProvider.System);
        _rounds = rounds;
        _backoff = backoff;
        _capacity = capacity;
        _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: fails instead of waiting
            SingleWriter = false,
        });
        _sender = new InvalidationSender(logger, requestTimeout, nodeSecret, metrics);
    }

    /// <summary>Keys dropped because every node failed every round, or the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private long _dropped;

    /// <summary>Called after each key is settled: delivered (true) or given up (false). For tests.</summary>
    internal Action<string, bool>? Settled { get; set; }

    /// <summary>Queues the key and returns at once: the answer never names unreached nodes.</summary>
    public ValueTask<IReadOnlyList<Uri>> KeyChangedAsync(string key)
    {
        if (!_queue.Writer.TryWrite(key))
        {
            Interlocked.Increment(ref _dropped);
            _warnings.QueueFull(key);
        }

        return new([]);
    }

    /// <summary>
    /// Queued as a change is, but only while the queue is less than half full: a flood of these
    /// must not crowd out the invalidations of real writes.
    /// </summary>
    public ValueTask<IReadOnlyList<Uri>> KeyMayBeStaleAsync(string key)
    {
        if (_queue.Reader.Count < _capacity / 2)
        {
            _queue.Writer.TryWrite(key);
        }

        return new([]);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => RunWorkerAsync(stoppingToken)));

    private async Task RunWorkerAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var key in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await DeliverAsync(key, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still queued is lost, as a failed notification would be.
        }
    }

    private async Task DeliverAsync(string key, CancellationToken stoppingToken)
    {
        var start = (int)((uint)(Interlocked.Increment(ref _nextNode) - 1) % (uint)_nodes.Count);
        for (var round = 0; round < _rounds; round++)
        {
            if (round > 0)
            {
                await Task.Delay(_backoff * (1 << (round - 1)), stoppingToken);
            }

            for (var n = 0; n < _nodes.Count; n++)
            {
                var node = _nodes[(start + n) % _nodes.Count];
                if (await _sender.TrySendAsync(node, key, stoppingToken))
                {
                    Settled?.Invoke(key, true);
                    return;
                }

                stoppingToken.ThrowIfCancellationRequested();
            }
        }

        Interlocked.Increment(ref _dropped);
        _warnings.Dropped(key, _rounds * _nodes.Count);
        Settled?.Invoke(key, false);
    }

    public override void Dispose()
    {
        _sender.Dispose();
        base.Dispose();
    }
}
