using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SourceApp.Notify;

/// <summary>
/// After each committed write, tells one cache node to drop the key (<c>DELETE {node}/api/data/{key}</c>),
/// in the background: a bounded queue, and for each key a few rounds over the nodes (the first node that
/// answers takes it; on failure the next is tried) with backoff between rounds, then the key is dropped
/// and logged. A full queue drops the new key and logs; the write itself is never held up.
/// </summary>
public sealed class CacheInvalidationNotifier : BackgroundService, IWriteNotifier
{
    public const int DefaultCapacity = 10_000;
    public const int DefaultRounds = 4;
    public static readonly TimeSpan DefaultBackoff = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(2);

    // Notifications are independent (a DELETE is idempotent), so a few run at once.
    private const int Workers = 4;

    private readonly IReadOnlyList<Uri> _nodes;
    private readonly Channel<string> _queue;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly int _rounds;
    private readonly TimeSpan _backoff;
    private int _nextNode; // round-robin start, so the load spreads over the nodes

    public CacheInvalidationNotifier(IReadOnlyList<Uri> nodes, ILogger<CacheInvalidationNotifier> logger)
        : this(nodes, logger, DefaultCapacity, DefaultRounds, DefaultBackoff, DefaultRequestTimeout)
    {
    }

    internal CacheInvalidationNotifier(IReadOnlyList<Uri> nodes, ILogger logger, int capacity, int rounds, TimeSpan backoff, TimeSpan requestTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfZero(nodes.Count);
        _nodes = nodes;
        _logger = logger;
        _rounds = rounds;
        _backoff = backoff;
        _queue = Channel.CreateBounded<string>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: fails instead of waiting
            SingleWriter = false,
        });
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = requestTimeout,
        };
    }

    /// <summary>Keys dropped because every node failed every round, or the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private long _dropped;

    /// <summary>Counts each attempt's outcome; null in tests that build the notifier alone.</summary>
    internal Telemetry.SourceMetrics? Metrics { get; init; }

    /// <summary>Called after each key is settled: delivered (true) or given up (false). For tests.</summary>
    internal Action<string, bool>? Settled { get; set; }

    public void KeyChanged(string key)
    {
        if (!_queue.Writer.TryWrite(key))
        {
            Interlocked.Increment(ref _dropped);
            Log.NotifyQueueFull(_logger, key);
        }
    }

    /// <summary>The URL that tells <paramref name="node"/> to drop <paramref name="key"/>; every reserved character is escaped.</summary>
    public static Uri InvalidationUri(Uri node, string key) =>
        new(node.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/api/data/" + Uri.EscapeDataString(key));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => RunWorkerAsync(stoppingToken)));

    private async Task RunWorkerAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var key in _queue.Reader.ReadAllAsync(stoppingToken))
                await DeliverAsync(key, stoppingToken);
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
                await Task.Delay(_backoff * (1 << (round - 1)), stoppingToken);

            for (var n = 0; n < _nodes.Count; n++)
            {
                var node = _nodes[(start + n) % _nodes.Count];
                if (await TrySendAsync(node, key, stoppingToken))
                {
                    Settled?.Invoke(key, true);
                    return;
                }
            }
        }

        Interlocked.Increment(ref _dropped);
        Log.NotifyDropped(_logger, key, _rounds * _nodes.Count);
        Settled?.Invoke(key, false);
    }

    private async Task<bool> TrySendAsync(Uri node, string key, CancellationToken stoppingToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, InvalidationUri(node, key));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken);
            // 2xx: dropped; 404: the node did not have it. Either way the node has no stale copy.
            bool accepted = response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.NotFound;
            Metrics?.OnNotified(accepted);
            if (accepted)
                return true;
            Log.NotifyNodeFailed(_logger, node.ToString(), key, $"HTTP {(int)response.StatusCode}");
            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
        {
            Metrics?.OnNotified(false);
            Log.NotifyNodeFailed(_logger, node.ToString(), key, ex.Message);
            return false;
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
