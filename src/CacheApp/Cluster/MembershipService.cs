using CacheApp.Configuration;

namespace CacheApp.Cluster;

/// <summary>
/// Runs <see cref="SwimProtocol"/> over HTTP: ticks it a few times a round, sends what it asks for
/// through <see cref="ClusterClient"/> and hands back the answers, feeds it the messages the cluster
/// endpoints receive, publishes the ring to the pool whenever it changes, and tells a few members
/// (who pass it on) when this node stops.
/// </summary>
public sealed partial class MembershipService : BackgroundService, IHostedLifecycleService
{
    private readonly MemberTable _table;
    private readonly IPeerRing _ring;
    private readonly ClusterClient _client;
    private readonly ILogger<MembershipService> _logger;
    private readonly TimeProvider _time;
    private readonly SwimOptions _options;
    private readonly SwimProtocol _protocol;
    private readonly Lock _protocolLock = new(); // the protocol is single-threaded; answers arrive on many
    private readonly TimeSpan _requestTimeout;
    private readonly TimeSpan _tick;
    private readonly IRejoinListener? _rejoin;
    private readonly Lock _ringLock = new(); // guards _published and orders SetPeers calls
    private IReadOnlyList<string> _published = [];
    private CancellationToken _stopping;

    /// <param name="rejoin">Told when members come back from dead (a healed partition); null when nobody cares.</param>
    public MembershipService(CacheAppSettings settings, MemberTable table, IPeerRing ring, ClusterClient client, ILogger<MembershipService> logger, TimeProvider time, IRejoinListener? rejoin = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(client);
        _rejoin = rejoin;
        _table = table;
        _ring = ring;
        _client = client;
        _logger = logger;
        _time = time;
        _options = new SwimOptions { ProbeInterval = settings.GossipInterval };
        _protocol = new SwimProtocol(table, _options, time, new Random(), settings.InitialPeers, client.Stats);
        _protocol.Joined += (peer, count) => LogJoined(peer, count);
        _protocol.SeedUnreachable += peer => LogSeedUnreachable(peer);

        // An answer later than a third of the dead-after time is as good as none; a ping's answer
        // matters only until the probe's own timeouts.
        _requestTimeout = TimeSpan.FromTicks(Math.Clamp(settings.MemberDeadAfter.Ticks / 3, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(2).Ticks));
        _tick = TimeSpan.FromTicks(Math.Clamp(settings.GossipInterval.Ticks / 10, TimeSpan.FromMilliseconds(10).Ticks, TimeSpan.FromMilliseconds(100).Ticks));
        Publish();
    }

    public IReadOnlyList<string> Ring
    {
        get
        {
            lock (_ringLock)
            {
                return _published;
            }
        }
    }

    /// <summary>The membership counters (messages, bytes, probes, suspicions, refutations).</summary>
    public MembershipStats Stats => _client.Stats;

    /// <summary>Merges a gossip message another node sent and answers (the compatibility entry: gossip).</summary>
    public ClusterMessage Receive(ClusterMessage message) => Receive("gossip", message);

    /// <summary>Handles a (validated) request to /api/cluster/{verb} and returns the answer.</summary>
    public ClusterMessage Receive(string verb, ClusterMessage message)
    {
        var outgoing = new List<Outgoing>();
        ClusterMessage answer;
        lock (_protocolLock)
        {
            answer = _protocol.Receive(verb, message, outgoing);
        }

        Publish();
        Dispatch(outgoing);
        return answer;
    }

    /// <summary>Recomputes the ring from the table and hands it to the pool when it changed.</summary>
    public void Publish()
    {
        lock (_ringLock)
        {
            // Before the ring takes a returning member back: whatever this node kept through the
            // partition may be stale, and it must be gone before the healed ring serves from it.
            // Computed under the lock: two concurrent publishes must not install an older ring last.
            var (ring, rejoined) = _table.TakeRingAndRejoined();
            if (rejoined.Count > 0)
            {
                LogRejoined(string.Join(' ', rejoined));
                _rejoin?.OnRejoined(rejoined);
            }

            if (ring.SequenceEqual(_published, StringComparer.Ordinal))
            {
                return;
            }

            // The pool logs the change (GroupCache.Http.HttpPool, event 1101) when it takes the ring.
            _ring.SetPeers(ring);
            _published = ring;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _stopping = stoppingToken;
        using var timer = new PeriodicTimer(_tick, _time);
        bool failing = false;
        try
        {
            do
            {
                try
                {
                    List<Outgoing> outgoing;
                    lock (_protocolLock)
                    {
                        outgoing = _protocol.Tick();
                    }

                    Publish();
                    Dispatch(outgoing);
                    failing = false;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One bad round must not end membership for good: the next round starts from the
                    // table as it is. Logged once until a round succeeds again.
                    if (!failing)
                    {
                        LogRoundFailed(ex);
                        failing = true;
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // Each message on its own: one slow member must not hold up the round.
    private void Dispatch(List<Outgoing> outgoing)
    {
        foreach (var request in outgoing)
        {
            _ = SendAsync(request);
        }
    }

    private async Task SendAsync(Outgoing request)
    {
        var more = new List<Outgoing>();
        try
        {
            var timeout = request.Verb == "ping" ? _options.SuspectAfter : _requestTimeout;
            var answer = await _client.SendAsync(request.ToApi, request.Verb, request.Message, timeout, _stopping);
            if (ClusterMessageValidator.TryNormalize(answer, out var normalized, out string? error))
            {
                lock (_protocolLock)
                {
                    _protocol.Answered(request, normalized, more);
                }
            }
            else
            {
                LogBadAnswer(request.ToApi, error);
                lock (_protocolLock)
                {
                    _protocol.Failed(request, more);
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidDataException or System.Text.Json.JsonException)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            LogSendFailed(request.Verb, request.ToApi, ex.Message);
            bool refused = ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };
            lock (_protocolLock)
            {
                _protocol.Failed(request, more, refused);
            }
        }

        Publish();
        Dispatch(more);
    }

    Task IHostedLifecycleService.StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any service stops (the web server included): tells a few live members this node leaves.</summary>
    async Task IHostedLifecycleService.StoppingAsync(CancellationToken cancellationToken)
    {
        List<Outgoing> leaves;
        lock (_protocolLock)
        {
            leaves = _protocol.Leave();
        }

        LogLeaving(leaves.Count);
        await Task.WhenAll(leaves.Select(async m =>
        {
            try
            {
                await _client.SendAsync(m.ToApi, m.Verb, m.Message, TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidDataException or System.Text.Json.JsonException)
            {
                LogSendFailed(m.Verb, m.ToApi, ex.Message);
            }
        }));
    }

    Task IHostedLifecycleService.StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(101, LogLevel.Information, "Joined through {Peer}; its first page lists {Count} members")]
    private partial void LogJoined(string peer, int count);

    [LoggerMessage(102, LogLevel.Warning, "Initial peer {Peer} is not reachable yet; retrying with backoff")]
    private partial void LogSeedUnreachable(string peer);

    [LoggerMessage(103, LogLevel.Debug, "Cluster {Verb} to {Peer} failed: {Error}")]
    private partial void LogSendFailed(string verb, string peer, string error);

    [LoggerMessage(104, LogLevel.Warning, "{Peer} answered an invalid cluster message: {Error}")]
    private partial void LogBadAnswer(string peer, string error);

    [LoggerMessage(105, LogLevel.Information, "Leaving the cluster; telling {Count} members")]
    private partial void LogLeaving(int count);

    [LoggerMessage(106, LogLevel.Warning, "Members back from dead with the same incarnation (a healed partition): {Members}")]
    private partial void LogRejoined(string members);

    [LoggerMessage(107, LogLevel.Error, "A membership round failed; the next rounds go on (logged once until one succeeds)")]
    private partial void LogRoundFailed(Exception ex);
}
