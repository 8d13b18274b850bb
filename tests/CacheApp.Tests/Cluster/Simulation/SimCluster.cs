using System.Text.Json;
using CacheApp.Cluster;

namespace CacheApp.Tests.Cluster.Simulation;

/// <summary>
/// N nodes running the real <see cref="SwimProtocol"/> and <see cref="MemberTable"/> over a fake
/// network (loss and delay from a seeded <see cref="Random"/>) and a fake clock: an event queue of
/// ticks and message deliveries, run in time order. Bytes are the messages' real JSON sizes.
/// </summary>
internal sealed class SimCluster
{
    private readonly SimSettings _settings;
    private readonly SimTime _time = new();
    private readonly Random _network;
    private readonly PriorityQueue<Action, (DateTimeOffset At, long Order)> _events = new();
    private readonly Dictionary<string, SimNode> _byApi = new(StringComparer.Ordinal);
    private readonly List<SimNode> _nodes = [];
    private HashSet<SimNode> _cutOff = [];
    private long _order;

    public SimCluster(SimSettings settings)
    {
        _settings = settings;
        _network = new Random(settings.Seed);
    }

    public TimeSpan Elapsed => _time.Elapsed;

    public IReadOnlyList<SimNode> Nodes => _nodes;

    /// <summary>Members some node declared dead while they were running: false deaths.</summary>
    public int FalseDeaths { get; private set; }

    /// <summary>
    /// Starts <paramref name="count"/> nodes that already know each other (a formed cluster), so that
    /// the figures measure a running cluster, not its formation.
    /// </summary>
    public void StartFormed(int count)
    {
        var digests = new List<MemberDigest>(count);
        for (int i = 0; i < count; i++)
        {
            var node = AddNode(seeds: []);
            digests.Add(node.Table.SelfDigest());
        }

        foreach (var node in _nodes)
        {
            node.Table.MergeNews(digests);
        }
    }

    /// <summary>Starts a new node whose INITIAL_PEERS name only <paramref name="seed"/>.</summary>
    public SimNode Join(SimNode seed) => AddNode([seed.ApiAddr]);

    /// <summary>Starts a new node with these INITIAL_PEERS (nodes' addresses, or addresses nobody listens at).</summary>
    public SimNode Start(IEnumerable<string> initialPeers) => AddNode([.. initialPeers]);

    /// <summary>Told of every request a node sends (not of answers), as it is sent.</summary>
    public event Action<SimNode, Outgoing>? Sent;

    /// <summary>Stops a node at once, as SIGKILL does: it answers nothing from now on, and connections to it are refused.</summary>
    public static void Kill(SimNode node) => node.Running = false;

    /// <summary>
    /// Cuts <paramref name="side"/> off from every other node, both ways: messages between the two
    /// sides are lost (blackholed, so the sender waits out its timeout), within each side they pass.
    /// </summary>
    public void Partition(IEnumerable<SimNode> side) => _cutOff = [.. side];

    /// <summary>Every message passes again.</summary>
    public void Heal() => _cutOff = [];

    /// <summary>Runs the events up to <paramref name="until"/> of simulated time from the start.</summary>
    public void RunUntil(TimeSpan until)
    {
        var end = SimTime.Start + until;
        while (_events.TryPeek(out _, out var at) && at.At <= end)
        {
            var action = _events.Dequeue();
            _time.Now = at.At;
            action();
        }

        _time.Now = end;
    }

    /// <summary>Runs until <paramref name="done"/> holds (checked every 100 ms) or <paramref name="limit"/> passes; returns how long it took, or null.</summary>
    public TimeSpan? RunUntil(Func<bool> done, TimeSpan limit)
    {
        var started = Elapsed;
        while (Elapsed - started < limit)
        {
            RunUntil(Elapsed + TimeSpan.FromMilliseconds(100));
            if (done())
            {
                return Elapsed - started;
            }
        }

        return null;
    }

    private SimNode AddNode(IReadOnlyList<string> seeds)
    {
        int id = _nodes.Count;
        string host = $"127.{1 + (id / 62500)}.{id / 250 % 250}.{(id % 250) + 1}";
        var table = new MemberTable($"http://{host}:7000", $"http://{host}:8000", 1, _time, _settings.ProbeInterval, _settings.MinSuspicion, _settings.ForgetAfter, 4096);
        var stats = new MembershipStats();
        var protocol = new SwimProtocol(table, new SwimOptions { ProbeInterval = _settings.ProbeInterval }, _time, new Random(_settings.Seed * 7919 + id), seeds, stats);
        var node = new SimNode(id, table, protocol, stats);
        protocol.DeclaredDead += d =>
        {
            if (_byApi.TryGetValue(d.ApiAddr, out var member) && member.Running)
            {
                FalseDeaths++;
            }
        };
        _nodes.Add(node);
        _byApi.Add(node.ApiAddr, node);

        // Nodes do not tick in step: each starts at a random point of the first tick.
        Schedule(_time.Now + (_settings.TickEvery * _network.NextDouble()), () => TickNode(node));
        return node;
    }

    private void TickNode(SimNode node)
    {
        if (!node.Running)
        {
            return;
        }

        Send(node, node.Protocol.Tick());
        Schedule(_time.Now + _settings.TickEvery, () => TickNode(node));
    }

    private void Send(SimNode from, List<Outgoing> outgoing)
    {
        foreach (var request in outgoing)
        {
            SendOne(from, request);
        }
    }

    private void SendOne(SimNode from, Outgoing request)
    {
        var sentAt = _time.Now;
        from.Stats.Sent(Size(request.Message));
        Sent?.Invoke(from, request);
        bool reachable = _byApi.TryGetValue(request.ToApi, out var to) && to.Running;
        var there = Delay();
        if (!reachable)
        {
            // Nobody listens there: the connection is refused after a round trip.
            Schedule(sentAt + there + Delay(), () => Fail(from, request, refused: true));
            return;
        }

        if (_network.NextDouble() < _settings.Loss || Cut(from, to!))
        {
            Schedule(sentAt + _settings.RequestTimeout, () => Fail(from, request));
            return;
        }

        Schedule(sentAt + there, () => Deliver(from, to!, request, sentAt));
    }

    private void Deliver(SimNode from, SimNode to, Outgoing request, DateTimeOffset sentAt)
    {
        if (!to.Running)
        {
            Schedule(_time.Now + Delay(), () => Fail(from, request, refused: true));
            return;
        }

        int requestBytes = Size(request.Message);
        to.Stats.Received(requestBytes);
        var more = new List<Outgoing>();
        var answer = to.Protocol.Receive(request.Verb, request.Message, more);
        int answerBytes = Size(answer);
        to.Stats.Sent(answerBytes);
        Send(to, more);

        var back = _time.Now + Delay();
        if (_network.NextDouble() < _settings.Loss || back - sentAt > _settings.RequestTimeout || Cut(to, from))
        {
            Schedule(sentAt + _settings.RequestTimeout, () => Fail(from, request));
            return;
        }

        Schedule(back, () =>
        {
            if (!from.Running)
            {
                return;
            }

            from.Stats.Received(answerBytes);
            var next = new List<Outgoing>();
            from.Protocol.Answered(request, answer, next);
            Send(from, next);
        });
    }

    private void Fail(SimNode from, Outgoing request, bool refused = false)
    {
        if (!from.Running)
        {
            return;
        }

        var next = new List<Outgoing>();
        from.Protocol.Failed(request, next, refused);
        Send(from, next);
    }

    private bool Cut(SimNode from, SimNode to) => _cutOff.Contains(from) != _cutOff.Contains(to);

    private TimeSpan Delay() => _settings.MinDelay + ((_settings.MaxDelay - _settings.MinDelay) * _network.NextDouble());

    private void Schedule(DateTimeOffset at, Action action) => _events.Enqueue(action, (at, _order++));

    private static int Size(ClusterMessage message) => JsonSerializer.SerializeToUtf8Bytes(message, CacheAppJsonContext.Default.ClusterMessage).Length;
}

/// <summary>One simulated node: the real table and protocol, and its counters.</summary>
internal sealed class SimNode(int id, MemberTable table, SwimProtocol protocol, MembershipStats stats)
{
    public int Id { get; } = id;

    public MemberTable Table { get; } = table;

    public SwimProtocol Protocol { get; } = protocol;

    public MembershipStats Stats { get; } = stats;

    public bool Running { get; set; } = true;

    public string ApiAddr => Table.SelfApiAddr;

    public string GroupCacheAddr => Table.SelfGroupCacheAddr;
}
