using CacheApp.Configuration;

namespace CacheApp.Cluster;

/// <summary>
/// Forms and keeps the cluster: announces this node to INITIAL_PEERS (retrying with backoff until
/// they answer), exchanges member tables with every member once a round, publishes the ring to the
/// pool whenever it changes, and tells the others when this node stops.
/// </summary>
public sealed partial class MembershipService : BackgroundService, IHostedLifecycleService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);

    private readonly CacheAppSettings _settings;
    private readonly MemberTable _table;
    private readonly IPeerRing _ring;
    private readonly ClusterClient _client;
    private readonly ILogger<MembershipService> _logger;
    private readonly TimeProvider _time;
    private readonly Seed[] _seeds;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeSpan _maxBackoff;
    private readonly IRejoinListener? _rejoin;
    private readonly Lock _ringLock = new(); // guards _published and orders SetPeers calls
    private IReadOnlyList<string> _published = [];

    /// <param name="rejoin">Told when members come back from dead (a healed partition); null when nobody cares.</param>
    public MembershipService(CacheAppSettings settings, MemberTable table, IPeerRing ring, ClusterClient client, ILogger<MembershipService> logger, TimeProvider time, IRejoinListener? rejoin = null)
    {
        _rejoin = rejoin;
        _settings = settings;
        _table = table;
        _ring = ring;
        _client = client;
        _logger = logger;
        _time = time;
        _seeds = [.. settings.InitialPeers.Select(p => new Seed(p))];

        // A gossip answer later than a third of the dead-after time is as good as none.
        _requestTimeout = TimeSpan.FromTicks(Math.Clamp(settings.MemberDeadAfter.Ticks / 3, TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(2).Ticks));
        _maxBackoff = settings.GossipInterval * 2 > TimeSpan.FromSeconds(2) ? settings.GossipInterval * 2 : TimeSpan.FromSeconds(2);
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

    /// <summary>Merges a message another node sent and answers with this node's table.</summary>
    public ClusterMessage Receive(ClusterMessage message)
    {
        _table.Merge(message.Members);
        Publish();
        return _table.ToMessage();
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
        using var timer = new PeriodicTimer(_settings.GossipInterval, _time);
        long round = 0;
        try
        {
            do
            {
                _table.Tick();
                Publish();
                await RoundAsync(round++, stoppingToken);
                Publish();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RoundAsync(long round, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var view = _table.View();
        var message = _table.ToMessage();
        var sends = new List<Task>();

        // Members that are gone are still asked now and then: a node that comes back at the same
        // address answers with its new incarnation, even when it has no initial peers of its own.
        foreach (var member in view)
        {
            if (!member.IsSelf && (member.State is MemberState.Alive or MemberState.Suspect || round % 5 == 0))
            {
                sends.Add(GossipAsync(member.ApiAddr, message, cancellationToken));
            }
        }

        bool alone = !view.Any(m => !m.IsSelf && m.State is MemberState.Alive or MemberState.Suspect);
        foreach (var seed in _seeds)
        {
            if (alone)
            {
                seed.Joined = false;
            }

            if (!seed.Joined && seed.NextTry <= now)
            {
                sends.Add(JoinAsync(seed, message, cancellationToken));
            }
        }

        await Task.WhenAll(sends);
    }

    private async Task GossipAsync(string apiAddr, ClusterMessage message, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await _client.SendAsync(apiAddr, "gossip", message, _requestTimeout, cancellationToken);
            MergeAnswer(apiAddr, answer);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidDataException or System.Text.Json.JsonException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                LogGossipFailed(apiAddr, ex.Message);
            }
        }
    }

    private async Task JoinAsync(Seed seed, ClusterMessage message, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await _client.SendAsync(seed.ApiAddr, "join", message, _requestTimeout, cancellationToken);
            MergeAnswer(seed.ApiAddr, answer);
            seed.Joined = true;
            seed.Backoff = FirstBackoff;
            seed.Failures = 0;
            LogJoined(seed.ApiAddr, answer.Members.Count);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidDataException or System.Text.Json.JsonException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            seed.NextTry = _time.GetUtcNow() + seed.Backoff;
            if (seed.Failures++ == 0)
            {
                LogSeedUnreachable(seed.ApiAddr, ex.Message);
            }

            seed.Backoff = seed.Backoff * 2 > _maxBackoff ? _maxBackoff : seed.Backoff * 2;
        }
    }

    private void MergeAnswer(string apiAddr, ClusterMessage answer)
    {
        if (ClusterMessageValidator.TryNormalize(answer, out var normalized, out string? error))
        {
            _table.Merge(normalized.Members);
            Publish();
        }
        else
        {
            LogBadAnswer(apiAddr, error);
        }
    }

    Task IHostedLifecycleService.StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    Task IHostedLifecycleService.StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs before any service stops (the web server included): tells every live member this node leaves.</summary>
    async Task IHostedLifecycleService.StoppingAsync(CancellationToken cancellationToken)
    {
        _table.MarkLeaving();
        var message = _table.ToMessage();
        var targets = _table.View().Where(m => !m.IsSelf && m.State is MemberState.Alive or MemberState.Suspect).ToArray();
        LogLeaving(targets.Length);
        await Task.WhenAll(targets.Select(async m =>
        {
            try
            {
                await _client.SendAsync(m.ApiAddr, "leave", message, TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidDataException or System.Text.Json.JsonException)
            {
                LogGossipFailed(m.ApiAddr, ex.Message);
            }
        }));
    }

    Task IHostedLifecycleService.StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(101, LogLevel.Information, "Joined through {Peer}; it knows {Count} members")]
    private partial void LogJoined(string peer, int count);

    [LoggerMessage(102, LogLevel.Warning, "Initial peer {Peer} is not reachable yet ({Error}); retrying with backoff")]
    private partial void LogSeedUnreachable(string peer, string error);

    [LoggerMessage(103, LogLevel.Debug, "Gossip to {Peer} failed: {Error}")]
    private partial void LogGossipFailed(string peer, string error);

    [LoggerMessage(104, LogLevel.Warning, "{Peer} answered an invalid cluster message: {Error}")]
    private partial void LogBadAnswer(string peer, string error);

    [LoggerMessage(105, LogLevel.Information, "Leaving the cluster; telling {Count} members")]
    private partial void LogLeaving(int count);

    [LoggerMessage(106, LogLevel.Warning, "Members back from dead with the same incarnation (a healed partition): {Members}")]
    private partial void LogRejoined(string members);

    /// <summary>An INITIAL_PEERS address and when to try it next. Touched by one round at a time.</summary>
    private sealed class Seed(string apiAddr)
    {
        public string ApiAddr { get; } = apiAddr;

        public bool Joined { get; set; }

        public DateTimeOffset NextTry { get; set; }

        public TimeSpan Backoff { get; set; } = FirstBackoff;

        public int Failures { get; set; }
    }
}
