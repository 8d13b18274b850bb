namespace CacheApp.Cluster;

/// <summary>A message the protocol wants sent: POST {ToApi}/api/cluster/{Verb}.</summary>
public sealed record Outgoing(string ToApi, string Verb, ClusterMessage Message);

/// <summary>
/// SWIM membership, as pure logic: it consumes messages, answers and failures, and produces the
/// messages to send; time comes from a <see cref="TimeProvider"/>, randomness from a seeded
/// <see cref="Random"/>. The node drives it over HTTP (<see cref="MembershipService"/>); the tests'
/// simulator drives the same code over a fake network.
/// </summary>
/// <remarks>
/// Each round (<see cref="SwimOptions.ProbeInterval"/>) the node pings one member, chosen so that
/// the nodes share out the members: every member is pinged once a round, by one node
/// (<see cref="MemberTable.ProbeTarget"/>); when the ping is not answered within <see cref="SwimOptions.ProbeTimeout"/> it
/// asks <see cref="SwimOptions.IndirectProbes"/> other members to ping it (ping-req), and when no ack
/// came by <see cref="SwimOptions.SuspectAfter"/> the member becomes suspect. Changes (joins,
/// suspicions, deaths, refutations, leaves) ride on every message, each a bounded number of times,
/// and are gossiped to <see cref="SwimOptions.Fanout"/> random members while any are pending. Every
/// few rounds one page of the table is exchanged with a random member (push-pull), so that changes
/// lost on the way still arrive. Not thread-safe: one caller at a time.
/// </remarks>
public sealed class SwimProtocol
{
    private const int CatchUpPullsAfterJoin = 2;
    private readonly MemberTable _table;
    private readonly SwimOptions _options;
    private readonly SteadyClock _time;
    private readonly Random _random;
    private readonly MembershipStats _stats;
    private readonly BroadcastQueue _queue;
    private readonly Seed[] _seeds;
    private readonly Dictionary<long, Relay> _relays = [];
    private readonly TimeSpan _maxBackoff;
    private Probe? _probe;
    private long _seq;
    private long _round;
    private int _syncPage;
    private int _catchUpPulls;
    private bool _joined; // an initial peer answered a join since this node was last alone
    private int _nextSlowSeed;
    private DateTimeOffset _nextRound;
    private DateTimeOffset _nextGossip;

    public SwimProtocol(MemberTable table, SwimOptions options, TimeProvider time, Random random, IEnumerable<string> seeds, MembershipStats stats)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(seeds);
        _table = table;
        _options = options;
        _time = SteadyClock.Over(time); // never backwards: a step back would stop the rounds for as long as the step
        _random = random;
        _stats = stats ?? throw new ArgumentNullException(nameof(stats));
        _queue = new BroadcastQueue(table.MaxMembers);
        _seeds = [.. seeds.Distinct(StringComparer.Ordinal).Where(s => s != table.SelfApiAddr).Select(s => new Seed(s))];
        _maxBackoff = options.ProbeInterval * 2 > TimeSpan.FromSeconds(2) ? options.ProbeInterval * 2 : TimeSpan.FromSeconds(2);
        _nextRound = _nextGossip = _time.GetUtcNow();
    }

    /// <summary>Raised when an initial peer answered a join: its address and how many rows its first page held.</summary>
    public event Action<string, int>? Joined;

    /// <summary>
    /// Raised the first time an initial peer cannot be reached: it is retried with backoff until
    /// this node joined, then now and then while the table knows no member at its address.
    /// </summary>
    public event Action<string>? SeedUnreachable;

    /// <summary>Raised for each member this node declares dead (its suspicion timed out here).</summary>
    public event Action<MemberDigest>? DeclaredDead;

    /// <summary>Changes waiting to be passed on.</summary>
    public int PendingUpdates => _queue.Count;

    /// <summary>
    /// Advances the protocol to now: starts a round when one is due (a probe, push-pull, joins),
    /// gossips pending changes, and acts on probes that timed out. Call it often (a tenth of a round).
    /// </summary>
    public List<Outgoing> Tick()
    {
        var now = _time.GetUtcNow();
        var outgoing = new List<Outgoing>();
        CheckProbe(now, outgoing);
        ExpireRelays(now);
        foreach (var death in _table.ExpireSuspicions())
        {
            Declare(death);
        }

        // A round waits for the last one's probe to be answered or to have made its member suspect:
        // a round that ran late, followed by one on time, would otherwise cut that probe short and
        // suspect a live member before its indirect pings went out.
        if (now >= _nextRound && _probe is null or { Acked: true })
        {
            // One round per ProbeInterval at a steady pace (not a round after each late tick), so
            // that each round falls in its own slot of the shared clock; a node that stalled for a
            // round or more starts again from now.
            var due = _nextRound;
            _nextRound = due + _options.ProbeInterval;
            if (_nextRound <= now)
            {
                due = now;
                _nextRound = now + _options.ProbeInterval;
            }

            // Numbered by the wall clock, which the nodes share out the members by: after a step
            // back (often NTP correcting a clock that ran ahead) the steady clock stays ahead, and
            // its numbers would stay off the other nodes' for good.
            Round(now, _time.OnTheWall(due).UtcTicks / _options.ProbeInterval.Ticks, outgoing);
        }

        if (now >= _nextGossip)
        {
            _nextGossip = now + _options.GossipInterval;
            Gossip(outgoing);
        }

        return outgoing;
    }

    /// <summary>Handles a request from another node; returns the answer and adds what else must be sent.</summary>
    public ClusterMessage Receive(string verb, ClusterMessage message, List<Outgoing> outgoing)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(outgoing);
        var news = _table.MergeNews(message.Members);
        Spread(news, verb is "sync" ? message.From : null);

        // Every answer but a page carries what this node believes of the sender when that is not
        // "alive": a member that others declared dead (frozen, cut off) learns it from the first
        // node it talks to, refutes, and flushes, instead of waiting for a retry-gone ping or a
        // push-pull page to name it.
        string[] aboutSender = [message.From];
        switch (verb)
        {
            case "ping":
                return Message(aboutSender, seq: message.Seq);
            case "ping-req" when message.Target is { } target && message.TargetApi is { } targetApi && message.Seq is { } originSeq:
                string? originApi = message.FromApi ?? _table.DigestOf(message.From)?.ApiAddr;
                if (originApi is not null && target != _table.SelfGroupCacheAddr)
                {
                    long seq = ++_seq;
                    _relays[seq] = new Relay(originApi, originSeq, target, _time.GetUtcNow() + _options.ProbeInterval);
                    outgoing.Add(new Outgoing(targetApi, "ping", Message([target], seq: seq)));
                }

                return Message(aboutSender);
            case "ack":
                if (_probe is { } probe && message.Seq == probe.Seq && message.Target == probe.Target)
                {
                    Acked(probe);
                }

                return Message(aboutSender);
            case "join":
                var page = _table.Page(message.Page ?? 0, ClusterLimits.JoinPageSize, out bool more);
                return new ClusterMessage(_table.SelfGroupCacheAddr, page, _table.SelfApiAddr, Page: message.Page ?? 0, More: more);
            case "sync":
                var syncPage = _table.Page(message.Page ?? 0, ClusterLimits.SyncPageSize, out bool syncMore);
                return new ClusterMessage(_table.SelfGroupCacheAddr, syncPage, _table.SelfApiAddr, Page: message.Page ?? 0, More: syncMore);
            default:
                return Message(aboutSender);
        }
    }

    /// <summary>Handles the (valid) answer to a request this node sent; adds what else must be sent.</summary>
    public void Answered(Outgoing request, ClusterMessage answer, List<Outgoing> outgoing)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(outgoing);
        var news = _table.MergeNews(answer.Members);
        _table.Heard(answer.From);

        // A page of someone's table is not passed on (every node would repeat the whole table);
        // only what it says of its sender is.
        Spread(news, request.Verb is "join" or "sync" ? answer.From : null);
        switch (request.Verb)
        {
            // Only the member itself answers for itself: another node now listening at its API
            // address (a port reused, a pod's IP given to another pod) answers as itself, and taken
            // as an ack it kept a dead member alive, and on every ring, for as long as it listened.
            case "ping" when request.Message.Seq is { } seq:
                if (_probe is { } probe && probe.Seq == seq)
                {
                    if (answer.From == probe.Target)
                    {
                        Acked(probe);
                    }
                }
                else if (_relays.Remove(seq, out var relay) && answer.From == relay.Target)
                {
                    outgoing.Add(new Outgoing(relay.OriginApi, "ack", Message([], seq: relay.OriginSeq, target: relay.Target)));
                }

                break;
            case "join":
                // Only the answer to a join sent to the initial peer as such is a join: a catch-up
                // pull that happens to land on an initial peer only brings its pages. Counted as a
                // join, it re-armed the catch-up pulls, and a node whose initial peers were all
                // members pulled a whole table nearly every round for good.
                if (PendingSeedJoin(request) is { } seed)
                {
                    seed.JoinPending = false;
                    seed.Joined = true;
                    _joined = true;
                    seed.Backoff = Seed.FirstBackoff;
                    seed.Failures = 0;
                    _catchUpPulls = CatchUpPullsAfterJoin;
                    Joined?.Invoke(seed.ApiAddr, answer.Members.Count);
                }

                // The rest of the seed's table, a page at a time: a new node learns the whole ring at once.
                if (answer.More == true && (request.Message.Page ?? 0) < ClusterLimits.MaxPage)
                {
                    outgoing.Add(new Outgoing(request.ToApi, "join", JoinMessage(page: (request.Message.Page ?? 0) + 1)));
                }

                break;
        }
    }

    /// <summary>Handles a request that got no valid answer (refused, timed out, an error status, an invalid body).</summary>
    /// <param name="refused">The connection was refused or could not be made: nothing listens at the member's address.</param>
    public void Failed(Outgoing request, List<Outgoing> outgoing, bool refused = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outgoing);
        if (request.Verb == "ping" && _probe is { Acked: false, IndirectSent: false } probe && request.Message.Seq == probe.Seq)
        {
            // Refused at once (the process is gone): no need to wait out the probe timeout, and
            // the relays get half a round, not the rest of it, to bring an ack.
            probe.Refused = refused;
            SendIndirect(probe, outgoing);
        }
        else if (PendingSeedJoin(request) is { } seed)
        {
            seed.JoinPending = false;
            seed.NextTry = _time.GetUtcNow() + seed.Backoff;
            if (seed.Failures++ == 0)
            {
                SeedUnreachable?.Invoke(seed.ApiAddr);
            }

            seed.Backoff = seed.Backoff * 2 > _maxBackoff ? _maxBackoff : seed.Backoff * 2;
        }
    }

    /// <summary>Marks this node as leaving and returns the leave messages: a few live members, who pass it on.</summary>
    public List<Outgoing> Leave()
    {
        var left = _table.MarkLeaving();
        var message = new ClusterMessage(_table.SelfGroupCacheAddr, [left], _table.SelfApiAddr);
        return [.. _table.RandomLive(_random, _options.LeaveFanout).Select(m => new Outgoing(m.ApiAddr, "leave", message))];
    }

    private void Round(DateTimeOffset now, long slot, List<Outgoing> outgoing)
    {
        _round++;
        foreach (var death in _table.Tick())
        {
            Declare(death);
        }

        _probe = null;
        StartProbe(now, slot, outgoing);

        // A member this node suspects is told so again every round until it refutes or the suspicion
        // ends: one lost message (the suspicion, or the refutation in its answer) must not make a
        // live member dead. Without this the simulator saw 1–2 false deaths in 10 minutes at 5 %
        // loss; the same for a suspicion only heard of, late, when gossip missed the refutation.
        foreach (var (api, gc) in _table.SuspectsToRemind())
        {
            outgoing.Add(new Outgoing(api, "ping", Message([gc], seq: ++_seq)));
        }

        int live = _table.LiveCount;
        if (_round % _options.PushPullEvery == 0 && live > 0)
        {
            // One page of the table, the next one each time: the cost per round stays the same
            // whatever the cluster's size, and over PageCount exchanges the whole table is seen.
            var (api, _) = _table.RandomLive(_random, 1)[0];
            int pages = _table.PageCount(ClusterLimits.SyncPageSize);
            int page = _syncPage++ % pages;
            var rows = _table.Page(page, ClusterLimits.SyncPageSize, out bool more);
            outgoing.Add(new Outgoing(api, "sync", new ClusterMessage(_table.SelfGroupCacheAddr, rows, _table.SelfApiAddr, Page: page, More: more)));
        }

        if (_round % _options.RetryGoneEvery == 0)
        {
            // A member that died or left may be back at the same address (a healed partition, a
            // restart without INITIAL_PEERS): the ping carries what this node believes of it, so
            // that it refutes it or answers with its new incarnation. Members forgotten while dead
            // are among them: after a partition longer than MEMBER_FORGET_AFTER both sides have
            // forgotten each other and still have live members, so nothing else would bring them
            // together again. One ping per RetryGoneEvery rounds, whatever the lists hold. Among the
            // forgotten, the recently forgotten (listed first) are likelier picks: the lesser of two
            // random positions.
            var gone = _table.Members(MemberState.Dead, MemberState.Left);
            var forgotten = _table.ForgottenDead();
            int candidates = gone.Count + forgotten.Count;
            if (candidates > 0)
            {
                int pick = _random.Next(candidates);
                var (api, gc) = pick < gone.Count ? gone[pick] : forgotten[Math.Min(pick - gone.Count, _random.Next(forgotten.Count))];
                outgoing.Add(new Outgoing(api, "ping", Message([gc], seq: ++_seq)));
            }
        }

        if (_catchUpPulls > 0 && live > 1)
        {
            // The seed's table is what the seed knew when this node joined: in a cluster that is
            // forming (a chain of joins) it can lack members that joined elsewhere a moment before,
            // and old news is not gossiped again. So the whole table of another member, too, in each
            // of the rounds after the join (as a join: the same pages).
            // Alive members only: when all are suspect (or the random picks miss), this round pulls nothing.
            var picked = _table.RandomLive(_random, 1, aliveOnly: true);
            if (picked.Count > 0)
            {
                _catchUpPulls--;
                outgoing.Add(new Outgoing(picked[0].ApiAddr, "join", JoinMessage(page: null)));
            }
        }

        if (live == 0)
        {
            // Alone (at start, or everyone else dead or gone): join again through any of them.
            _joined = false;
            foreach (var seed in _seeds)
            {
                seed.Joined = false;
            }
        }

        if (!_joined)
        {
            foreach (var seed in _seeds.Where(s => s.NextTry <= now))
            {
                // Each retried on its backoff until one answers; the answer resets it.
                seed.NextTry = now + seed.Backoff;
                SendSeedJoin(seed, outgoing);
            }
        }
        else if (_round % _options.RetryGoneEvery == 0)
        {
            TrySeedNotYetMet(outgoing);
        }
    }

    // Joined, the node stops the fast retries: an initial peer that has not answered (down, not
    // started yet, a stale address) would otherwise be asked every 2 s for good. One that the table
    // knows is reached as its member (probes, or the pings to the dead and forgotten); one it does
    // not may be another cluster that never heard of this one (started while this node's join to it
    // failed), so it is still asked at the pace of those pings: one such join every RetryGoneEvery
    // rounds, taking the initial peers in turn.
    private void TrySeedNotYetMet(List<Outgoing> outgoing)
    {
        HashSet<string>? known = null;
        for (int i = 0; i < _seeds.Length; i++)
        {
            var seed = _seeds[_nextSlowSeed];
            _nextSlowSeed = (_nextSlowSeed + 1) % _seeds.Length;
            if (seed.Joined || seed.JoinPending)
            {
                continue;
            }

            known ??= _table.KnownApiAddrs();
            if (!known.Contains(seed.ApiAddr))
            {
                SendSeedJoin(seed, outgoing);
                return;
            }
        }
    }

    private void SendSeedJoin(Seed seed, List<Outgoing> outgoing)
    {
        seed.JoinPending = true;
        outgoing.Add(new Outgoing(seed.ApiAddr, "join", JoinMessage(page: null)));
    }

    // The member whose turn it is in this slot: with the other nodes' probes of the same slot,
    // every member is probed once a round. With a shuffled order per node a member could go
    // unprobed by anyone for rounds; SIGKILLed, it stayed on some ring for up to 8.5 s against
    // 4.2 s now (SigkillDetectionTests, 100 kills at N = 24).
    private void StartProbe(DateTimeOffset now, long slot, List<Outgoing> outgoing)
    {
        if (_table.ProbeTarget(slot) is { } target)
        {
            var (api, gc) = target;
            var probe = new Probe(gc, api, ++_seq, now);
            _probe = probe;
            _stats.Probe();
            outgoing.Add(new Outgoing(api, "ping", Message([gc], seq: probe.Seq)));
        }
    }

    private void CheckProbe(DateTimeOffset now, List<Outgoing> outgoing)
    {
        if (_probe is not { Acked: false } probe)
        {
            return;
        }

        if (now - probe.StartedAt >= (probe.Refused ? _options.SuspectAfterRefusal : _options.SuspectAfter))
        {
            Suspect(probe, outgoing);
            _probe = null;
        }
        else if (!probe.IndirectSent && now - probe.StartedAt >= _options.ProbeTimeout)
        {
            SendIndirect(probe, outgoing);
        }
    }

    private void SendIndirect(Probe probe, List<Outgoing> outgoing)
    {
        probe.IndirectSent = true;
        foreach (var (api, _) in _table.RandomLive(_random, _options.IndirectProbes, aliveOnly: true, except: probe.Target))
        {
            _stats.IndirectProbe();
            outgoing.Add(new Outgoing(api, "ping-req", Message([], seq: probe.Seq, target: probe.Target, targetApi: probe.TargetApi)));
        }
    }

    private void Declare(MemberDigest death)
    {
        _queue.Add(death);
        _nextGossip = _time.GetUtcNow(); // news this important goes out now, not at the next gossip
        DeclaredDead?.Invoke(death);
    }

    private void Suspect(Probe probe, List<Outgoing> outgoing)
    {
        if (_table.Suspect(probe.Target) is { } suspicion)
        {
            _stats.Suspicion();
            _queue.Add(suspicion);
            _nextGossip = _time.GetUtcNow();

            // Told to the member itself as well: if it is alive after all, its refutation comes
            // straight back in the answer, long before the suspicion times out here.
            outgoing.Add(new Outgoing(probe.TargetApi, "ping", Message([probe.Target], seq: ++_seq)));
        }
    }

    private void Acked(Probe probe)
    {
        probe.Acked = true;
        _table.Heard(probe.Target);
    }

    private void Gossip(List<Outgoing> outgoing)
    {
        if (_queue.Count == 0)
        {
            return;
        }

        foreach (var (api, _) in _table.RandomLive(_random, _options.Fanout))
        {
            outgoing.Add(new Outgoing(api, "gossip", Message([])));
        }
    }

    private void ExpireRelays(DateTimeOffset now)
    {
        if (_relays.Count == 0)
        {
            return;
        }

        foreach (long seq in _relays.Where(r => r.Value.Expires < now).Select(r => r.Key).ToArray())
        {
            _relays.Remove(seq);
        }
    }

    // News learnt is passed on; with onlyAbout set, only the news about that member (its own row).
    private void Spread(IReadOnlyList<MemberDigest> news, string? onlyAbout)
    {
        foreach (var d in news)
        {
            if (d.GroupCacheAddr == _table.SelfGroupCacheAddr)
            {
                _stats.Refutation();
                _queue.Add(d);
            }
            else if (onlyAbout is null || d.GroupCacheAddr == onlyAbout)
            {
                _queue.Add(d);
            }
        }
    }

    // Every message carries this node's own row, then what it believes of the members it is about
    // when that is not "alive" (so that a wrongly suspected member refutes at once), then the
    // pending changes, up to the cap.
    private ClusterMessage Message(IReadOnlyList<string> about, long? seq = null, string? target = null, string? targetApi = null)
    {
        var self = _table.SelfDigest();
        var members = new List<MemberDigest>(ClusterLimits.MaxUpdatesPerMessage) { self };
        var inMessage = new HashSet<string>(StringComparer.Ordinal) { self.GroupCacheAddr };
        foreach (string gc in about)
        {
            if (_table.ClaimAbout(gc) is { } d && MemberTable.StateOf(d) != MemberState.Alive && inMessage.Add(gc))
            {
                members.Add(d);
            }
        }

        int live = _table.LiveCount + 1;
        int limit = _options.RetransmitMult * (int)Math.Ceiling(Math.Log10(live + 1));
        members.AddRange(_queue.Take(ClusterLimits.MaxUpdatesPerMessage - members.Count, Math.Max(1, limit), inMessage));
        return new ClusterMessage(_table.SelfGroupCacheAddr, members, _table.SelfApiAddr, seq, target, targetApi);
    }

    // The initial peer a first-page join went to, when a join to it as an initial peer is awaiting its answer.
    private Seed? PendingSeedJoin(Outgoing request) =>
        request.Verb == "join" && request.Message.Page is null or 0
            ? _seeds.FirstOrDefault(s => s.JoinPending && s.ApiAddr == request.ToApi)
            : null;

    private ClusterMessage JoinMessage(int? page) =>
        new(_table.SelfGroupCacheAddr, [_table.SelfDigest()], _table.SelfApiAddr, Page: page);

    private sealed class Probe(string target, string targetApi, long seq, DateTimeOffset startedAt)
    {
        public string Target { get; } = target;

        public string TargetApi { get; } = targetApi;

        public long Seq { get; } = seq;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public bool IndirectSent { get; set; }

        public bool Acked { get; set; }

        /// <summary>The direct ping's connection was refused.</summary>
        public bool Refused { get; set; }
    }

    private sealed record Relay(string OriginApi, long OriginSeq, string Target, DateTimeOffset Expires);

    /// <summary>An INITIAL_PEERS address and when to try it next.</summary>
    private sealed class Seed(string apiAddr)
    {
        public static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);

        public string ApiAddr { get; } = apiAddr;

        public bool Joined { get; set; }

        /// <summary>A join was sent to it as an initial peer and has had no answer or failure yet.</summary>
        public bool JoinPending { get; set; }

        public DateTimeOffset NextTry { get; set; }

        public TimeSpan Backoff { get; set; } = FirstBackoff;

        public int Failures { get; set; }
    }
}
