using System.Diagnostics.CodeAnalysis;

namespace CacheApp.Cluster;

/// <summary>
/// This node's view of the cluster, as SWIM keeps it. Pure state: no I/O, time from a
/// <see cref="TimeProvider"/>, so that failure detection and refutation are tested without sleeping.
/// </summary>
/// <remarks>
/// Each row holds the latest claim about a member: its version (incarnation, then the refutation
/// counter <see cref="MemberDigest.Heartbeat"/>) and its state. A claim with a higher version replaces
/// the row; at the same version only a stronger state does (alive &lt; suspect &lt; dead &lt; left), so
/// a member clears a suspicion only by refuting it with a higher version. Nothing here decays with
/// silence: a member becomes suspect when a probe fails (<see cref="Suspect"/>) or when another node
/// says so, and dead when the suspicion is not refuted within <see cref="SuspicionTimeout"/>, which
/// grows with the logarithm of the cluster's size. Dead and departed rows are forgotten after
/// the forget-after time.
/// </remarks>
public sealed class MemberTable
{
    private readonly Lock _lock = new(); // guards _members, the rows in it, _rejoined and the forgotten lists
    private readonly Dictionary<string, Row> _members = new(StringComparer.Ordinal);

    // The other members that are alive or suspect, for picking random ones without a scan, and
    // every key in order, for pages of the table without a sort: kept as rows come and change.
    private readonly List<Row> _live = [];
    private readonly List<string> _sortedKeys = [];
    private int _suspects; // rows in the suspect state: when none, there is nothing to expire

    // Members that came back from dead with the same incarnation since the last TakeRejoined (this
    // node's own address when it heard that it had been declared dead): the process lived on, cut
    // off from the others, and either side may have missed invalidations.
    private readonly List<string> _rejoined = [];

    // Members forgotten while dead (not left), as they were when they died, so that one that comes
    // back after MEMBER_FORGET_AFTER is still recognised as a returning process and not a new one,
    // and so that they are still pinged now and then: after a partition longer than the forget
    // time each side has forgotten the other, and nothing else would ever bring them together.
    // Only members this node itself held alive or suspect (not deaths it only heard of: a peer
    // could fill the list with addresses of its choosing), in the order they were forgotten, each
    // for ForgottenDeadKeptFactor times the forget time.
    private readonly OrderedDictionary<string, ForgottenMember> _forgottenDead = new(StringComparer.Ordinal);

    // Members forgotten while dead that this node only heard of as dead (a node that joined during
    // a partition learns the other side that way): never pinged, and kept apart so that they cannot
    // push out the members above, but still recognised when they come back with the same life. Such
    // a member lived on, and what was written through it did not invalidate this node: without
    // this, after a partition longer than MEMBER_FORGET_AFTER every node flushed but the ones that
    // joined during it, which kept the other side's old values for good. Same bound and time.
    private readonly OrderedDictionary<string, ForgottenMember> _forgottenHeard = new(StringComparer.Ordinal);
    private readonly Row _self;

    // When Tick last ran: a gap longer than the forget time means this node was not running.
    private DateTimeOffset _lastTick;

    // The latest claim that this node itself was dead or gone, by version: each one flushes once.
    private long _deathHeardIncarnation = -1;
    private long _deathHeardHeartbeat = -1;

    // When this node flushes once more after it came back from dead: the members that still held it
    // dead until its refutation reached them wrote without invalidating it meanwhile, and the flush
    // when it first heard of its death came before those writes. Null when none is due.
    private DateTimeOffset? _settleFlushAt;

    // The latest death claim (incarnation, heartbeat) about this node heard so far, and the one the
    // last settle flush covered: a claim at or below the latter (a replay, a late answer, a peer
    // that cannot take this node back and keeps pinging it with the old death) schedules nothing.
    private (long Incarnation, long Heartbeat) _settleClaim = (-1, -1);
    private (long Incarnation, long Heartbeat) _settledClaim = (-1, -1);
    private readonly TimeProvider _time;
    private readonly TimeSpan _probeInterval;
    private readonly TimeSpan _minSuspicion;
    private readonly TimeSpan _forgetAfter;
    private readonly int _maxMembers;

    /// <param name="probeInterval">The protocol's round; the suspicion timeout is this times log10(members + 1), or more.</param>
    /// <param name="minSuspicion">MEMBER_DEAD_AFTER: the suspicion timeout is this less a round, or more in a large cluster.</param>
    /// <param name="forgetAfter">How long dead and departed rows are kept.</param>
    /// <param name="maxMembers">The most rows the table holds: news of more members is dropped.</param>
    public MemberTable(string selfApiAddr, string selfGroupCacheAddr, long incarnation, TimeProvider time, TimeSpan probeInterval, TimeSpan minSuspicion, TimeSpan forgetAfter, int maxMembers)
    {
        // Never backwards: a wall clock stepped back would hold every suspicion and forget timer
        // for as long as the step (SteadyClock).
        _time = SteadyClock.Over(time);
        _probeInterval = probeInterval;
        _minSuspicion = minSuspicion;
        _forgetAfter = forgetAfter;
        _maxMembers = maxMembers;
        var now = _time.GetUtcNow();
        _lastTick = now;
        _self = new Row(selfApiAddr, selfGroupCacheAddr, incarnation, 0, MemberState.Alive, now);
        _members.Add(selfGroupCacheAddr, _self);
        _sortedKeys.Add(selfGroupCacheAddr);
    }

    public string SelfGroupCacheAddr => _self.GroupCacheAddr;

    public string SelfApiAddr => _self.ApiAddr;

    /// <summary>The most rows the table holds, this node's included.</summary>
    public int MaxMembers => _maxMembers;

    /// <summary>Rows in the table, this node's included.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _members.Count;
            }
        }
    }

    /// <summary>
    /// How long news takes to reach every member, by the protocol's own allowance (four suspicion
    /// timeouts, which grow with the cluster): the wait before a node that was declared dead
    /// flushes a second time, and how long a node holds hot copies after a ring change.
    /// </summary>
    public TimeSpan SettleTime
    {
        get
        {
            lock (_lock)
            {
                return SettleTimeLocked();
            }
        }
    }

    /// <summary>Members other than this node that are alive or suspect.</summary>
    public int LiveCount
    {
        get
        {
            lock (_lock)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>
    /// How long a suspicion lasts before the member is declared dead: MEMBER_DEAD_AFTER less the
    /// round it took to notice (so that a member that stops answering is out of the rings about
    /// MEMBER_DEAD_AFTER later), and at least a round times log10(N + 2), so that in a large cluster
    /// the suspicion has time to reach the member and its refutation to come back.
    /// </summary>
    public TimeSpan SuspicionTimeout
    {
        get
        {
            lock (_lock)
            {
                return SuspicionTimeoutLocked();
            }
        }
    }

    /// <summary>How many suspicion timeouts a node that only heard of a suspicion waits before it declares the death itself.</summary>
    public const int HeardOfSuspicionFactor = 4;

    /// <summary>
    /// How many times the forget time a member forgotten while dead stays in the forgotten-dead
    /// list (and is pinged now and then): 4 hours with the default MEMBER_FORGET_AFTER of 10 minutes.
    /// A partition longer than that does not heal by itself (it takes a restart); pinging
    /// addresses without end would let them be anyone's after a while (pods get new ones).
    /// </summary>
    public const int ForgottenDeadKeptFactor = 24;

    /// <summary>Refutations this node made: someone suspected it, or said it was dead, and it answered with a higher version.</summary>
    public long Refutations { get; private set; }

    /// <summary>
    /// Housekeeping once a round: suspicions that timed out become deaths, and long-gone rows are
    /// forgotten. Returns the new deaths, to be told to the others.
    /// </summary>
    public IReadOnlyList<MemberDigest> Tick()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            List<MemberDigest>? deaths = null;
            List<string>? forget = null;
            var suspicion = SuspicionTimeoutLocked();

            // This node did not run for longer than the others keep a dead member's row (the
            // process frozen, the VM suspended): they declared it dead and then forgot it, so no one
            // will tell it that it was dead, and what they wrote meanwhile did not invalidate it.
            // (Frozen for less, it hears the death claim about itself and flushes then.)
            if (now - _lastTick > _forgetAfter)
            {
                _rejoined.Add(_self.GroupCacheAddr);
                _settleFlushAt = now + SettleTimeLocked();
            }

            if (_settleFlushAt is { } settle && settle <= now)
            {
                _rejoined.Add(_self.GroupCacheAddr);
                _settleFlushAt = null;
                _settledClaim = _settleClaim;
            }

            DropExpiredForgottenDead(now);

            _lastTick = now;
            foreach (var row in _members.Values)
            {
                if (row == _self)
                {
                    continue;
                }

                if (SuspicionIsOver(row, now, suspicion))
                {
                    SetState(row, MemberState.Dead, now);
                    (deaths ??= []).Add(DigestOf(row, now));
                }
                else if (row.State is MemberState.Dead or MemberState.Left && now - row.StateSince >= _forgetAfter)
                {
                    (forget ??= []).Add(row.GroupCacheAddr);
                }
            }

            foreach (string key in forget ?? [])
            {
                var row = _members[key];
                if (row.State == MemberState.Dead)
                {
                    Remember(row.HeldLiveHere ? _forgottenDead : _forgottenHeard, row, now);
                }

                _members.Remove(key);
                _sortedKeys.RemoveAt(_sortedKeys.BinarySearch(key, StringComparer.Ordinal));
            }

            return deaths ?? [];
        }
    }

    /// <summary>Suspicions that timed out become deaths (cheap when nobody is suspect); returns the new deaths.</summary>
    public IReadOnlyList<MemberDigest> ExpireSuspicions()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_suspects == 0)
            {
                return [];
            }

            List<MemberDigest>? deaths = null;
            var suspicion = SuspicionTimeoutLocked();
            foreach (var row in _live.ToArray())
            {
                if (SuspicionIsOver(row, now, suspicion))
                {
                    SetState(row, MemberState.Dead, now);
                    (deaths ??= []).Add(DigestOf(row, now));
                }
            }

            return deaths ?? [];
        }
    }

    /// <summary>Marks this node as leaving; its next messages tell the others so.</summary>
    public MemberDigest MarkLeaving()
    {
        lock (_lock)
        {
            _self.State = MemberState.Left;
            return DigestOf(_self, _time.GetUtcNow());
        }
    }

    /// <summary>Merges what another node said. Returns true when some row changed.</summary>
    public bool Merge(IEnumerable<MemberDigest> digests) => MergeNews(digests).Count > 0;

    /// <summary>
    /// Merges what another node said and returns the news: every claim that changed a row, and this
    /// node's own row when it had to refute a claim about itself. The news is what gets passed on.
    /// </summary>
    public IReadOnlyList<MemberDigest> MergeNews(IEnumerable<MemberDigest> digests)
    {
        ArgumentNullException.ThrowIfNull(digests);
        var now = _time.GetUtcNow();
        List<MemberDigest>? news = null;
        lock (_lock)
        {
            foreach (var d in digests)
            {
                if (MergeOne(d, now) is { } changed)
                {
                    (news ??= []).Add(changed);
                }
            }
        }

        return news ?? [];
    }

    /// <summary>
    /// A probe of <paramref name="groupCacheAddr"/> went unanswered, directly and indirectly: an alive
    /// member becomes suspect (at its current version). Returns the claim to spread, or null when
    /// the member was not alive.
    /// </summary>
    public MemberDigest? Suspect(string groupCacheAddr)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_members.TryGetValue(groupCacheAddr, out var row) || row == _self)
            {
                return null;
            }

            if (row.State == MemberState.Suspect)
            {
                // Heard of it, and now this node's own probe failed too: it decides on its own
                // (shorter) timer from here, counted from when it first heard.
                row.SuspectedHere = true;
                return null;
            }

            if (row.State != MemberState.Alive)
            {
                return null;
            }

            SetState(row, MemberState.Suspect, now);
            row.SuspectedHere = true;
            return DigestOf(row, now);
        }
    }

    /// <summary>A member answered a probe: remembered as the last time this node heard of it.</summary>
    public void Heard(string groupCacheAddr)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_members.TryGetValue(groupCacheAddr, out var row))
            {
                row.LastSeen = now;
            }
        }
    }

    /// <summary>This node's current claim about <paramref name="groupCacheAddr"/>, or null when it has no row.</summary>
    public MemberDigest? DigestOf(string groupCacheAddr)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return _members.TryGetValue(groupCacheAddr, out var row) ? DigestOf(row, now) : null;
        }
    }

    /// <summary>
    /// What this node tells <paramref name="groupCacheAddr"/> it believes of it: its row, or, for a
    /// member forgotten while dead, that death at the version it died with (so that a member back
    /// from a long partition refutes it); null when it knows nothing of it.
    /// </summary>
    public MemberDigest? ClaimAbout(string groupCacheAddr)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_members.TryGetValue(groupCacheAddr, out var row))
            {
                return DigestOf(row, now);
            }

            if (_forgottenDead.TryGetValue(groupCacheAddr, out var forgotten))
            {
                long age = (long)Math.Clamp((now - forgotten.DeadSince).TotalMilliseconds, 0, ClusterLimits.MaxAgeMs);
                return new MemberDigest(forgotten.ApiAddr, groupCacheAddr, forgotten.Incarnation, forgotten.Heartbeat, false, age, NameOf(MemberState.Dead));
            }

            return null;
        }
    }

    /// <summary>This node's own row, as it tells others.</summary>
    public MemberDigest SelfDigest()
    {
        lock (_lock)
        {
            return DigestOf(_self, _time.GetUtcNow());
        }
    }

    /// <summary>
    /// One page of the table (rows ordered by groupcache address), for join answers and push-pull:
    /// full state in bounded messages. <paramref name="more"/> says whether pages follow.
    /// </summary>
    public IReadOnlyList<MemberDigest> Page(int page, int pageSize, out bool more)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(page);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            long first = (long)page * pageSize;
            if (first >= _sortedKeys.Count)
            {
                more = false;
                return [];
            }

            int count = (int)Math.Min(pageSize, _sortedKeys.Count - first);
            more = first + count < _sortedKeys.Count;
            return [.. _sortedKeys.GetRange((int)first, count).Select(k => DigestOf(_members[k], now))];
        }
    }

    /// <summary>
    /// The member to probe in round <paramref name="slot"/> (the round's start on the shared clock,
    /// in rounds): of this node and the alive and suspect members in address order, the one
    /// 1 + slot mod (n − 1) places after this node. Every node that holds the same members picks
    /// with the same offset in the same slot, so in each round every member is probed by exactly
    /// one node, and each node still probes every other member once in n − 1 rounds. Null when
    /// there is no other member.
    /// </summary>
    public (string ApiAddr, string GroupCacheAddr)? ProbeTarget(long slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        lock (_lock)
        {
            var ring = new List<Row>(_live.Count + 1);
            int self = -1;
            foreach (string key in _sortedKeys)
            {
                var row = _members[key];
                if (row == _self)
                {
                    self = ring.Count;
                    ring.Add(row);
                }
                else if (row.State is MemberState.Alive or MemberState.Suspect)
                {
                    ring.Add(row);
                }
            }

            if (ring.Count < 2)
            {
                return null;
            }

            int offset = 1 + (int)(slot % (ring.Count - 1));
            var target = ring[(self + offset) % ring.Count];
            return (target.ApiAddr, target.GroupCacheAddr);
        }
    }

    /// <summary>Pages the table needs at <paramref name="pageSize"/> rows a page.</summary>
    public int PageCount(int pageSize) => Math.Max(1, (Count + pageSize - 1) / pageSize);

    /// <summary>The members in the given states, other than this node: (API address, groupcache address).</summary>
    public IReadOnlyList<(string ApiAddr, string GroupCacheAddr)> Members(params MemberState[] states)
    {
        lock (_lock)
        {
            var list = new List<(string, string)>(_members.Count);
            foreach (var row in _members.Values)
            {
                if (row != _self && Array.IndexOf(states, row.State) >= 0)
                {
                    list.Add((row.ApiAddr, row.GroupCacheAddr));
                }
            }

            return list;
        }
    }

    /// <summary>
    /// The members forgotten while dead that this node still remembers (at most the table's size,
    /// the latest forgotten, none forgotten longer ago than <see cref="ForgottenDeadKeptFactor"/>
    /// times the forget time), the most recently forgotten first: (API address, groupcache address).
    /// </summary>
    public IReadOnlyList<(string ApiAddr, string GroupCacheAddr)> ForgottenDead()
    {
        lock (_lock)
        {
            return [.. _forgottenDead.Reverse().Select(f => (f.Value.ApiAddr, f.Key))];
        }
    }

    /// <summary>
    /// The API addresses of every member this node knows of in any state, the forgotten dead
    /// included, other than this node: a member at one of them is reached by probes, pings to the
    /// dead and departed, or their answers, with no join needed.
    /// </summary>
    public HashSet<string> KnownApiAddrs()
    {
        lock (_lock)
        {
            var known = new HashSet<string>(_members.Count + _forgottenDead.Count, StringComparer.Ordinal);
            foreach (var row in _members.Values)
            {
                if (row != _self)
                {
                    known.Add(row.ApiAddr);
                }
            }

            foreach (var forgotten in _forgottenDead.Values)
            {
                known.Add(forgotten.ApiAddr);
            }

            return known;
        }
    }

    /// <summary>
    /// Up to <paramref name="count"/> distinct random members that are alive (or suspect, unless
    /// <paramref name="aliveOnly"/>), other than this node and <paramref name="except"/>, without a scan of the table.
    /// </summary>
    public List<(string ApiAddr, string GroupCacheAddr)> RandomLive(Random random, int count, bool aliveOnly = false, string? except = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        lock (_lock)
        {
            var picked = new List<(string, string)>(Math.Min(count, _live.Count));
            if (count <= 0 || _live.Count == 0)
            {
                return picked;
            }

            if (_live.Count <= count * 2)
            {
                // Few enough to shuffle them all.
                var all = _live.Where(r => (!aliveOnly || r.State == MemberState.Alive) && r.GroupCacheAddr != except).ToList();
                for (int i = 0; i < Math.Min(count, all.Count); i++)
                {
                    int j = random.Next(i, all.Count);
                    (all[i], all[j]) = (all[j], all[i]);
                    picked.Add((all[i].ApiAddr, all[i].GroupCacheAddr));
                }

                return picked;
            }

            var seen = new HashSet<int>();
            for (int tries = 0; picked.Count < count && tries < count * 8; tries++)
            {
                int i = random.Next(_live.Count);
                var row = _live[i];
                if (seen.Add(i) && (!aliveOnly || row.State == MemberState.Alive) && row.GroupCacheAddr != except)
                {
                    picked.Add((row.ApiAddr, row.GroupCacheAddr));
                }
            }

            return picked;
        }
    }

    /// <summary>
    /// The members that came back from dead with the same incarnation (a healed partition, a
    /// process that was frozen) since the last call, and this node's own address when it heard that
    /// it had been declared dead; a restarted process has a new incarnation and is not one of them.
    /// </summary>
    public IReadOnlyList<string> TakeRejoined()
    {
        lock (_lock)
        {
            if (_rejoined.Count == 0)
            {
                return [];
            }

            string[] rejoined = [.. _rejoined.Distinct(StringComparer.Ordinal)];
            _rejoined.Clear();
            return rejoined;
        }
    }

    /// <summary>
    /// The ring (<see cref="RingMembers"/>) and the members that rejoined (<see cref="TakeRejoined"/>),
    /// read together: a ring that holds a returning member always comes with it (or after a call that did).
    /// </summary>
    public (IReadOnlyList<string> Ring, IReadOnlyList<string> Rejoined) TakeRingAndRejoined()
    {
        lock (_lock)
        {
            return (RingMembers(), TakeRejoined());
        }
    }

    /// <summary>The whole table in one message (small clusters and tests; the protocol pages it).</summary>
    public ClusterMessage ToMessage()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return new ClusterMessage(_self.GroupCacheAddr, [.. _members.Values.Select(r => DigestOf(r, now))], _self.ApiAddr);
        }
    }

    /// <summary>Every row with its state now, this node first, then by groupcache address.</summary>
    public IReadOnlyList<MemberView> View()
    {
        lock (_lock)
        {
            return [.. _members.Values
                .Select(r => new MemberView(r.ApiAddr, r.GroupCacheAddr, r.State, r == _self ? _time.GetUtcNow() : r.LastSeen, r.Incarnation, r.Heartbeat, r == _self))
                .OrderByDescending(v => v.IsSelf)
                .ThenBy(v => v.GroupCacheAddr, StringComparer.Ordinal)];
        }
    }

    /// <summary>The ring: this node and every alive or suspect member, by groupcache address, sorted.</summary>
    public IReadOnlyList<string> RingMembers()
    {
        lock (_lock)
        {
            var ring = new List<string>(_members.Count);
            foreach (var row in _members.Values)
            {
                if (row == _self || row.State is MemberState.Alive or MemberState.Suspect)
                {
                    ring.Add(row.GroupCacheAddr);
                }
            }

            ring.Sort(StringComparer.Ordinal);
            return ring;
        }
    }

    /// <summary>True when the table names a member (other than this node) at this API address.</summary>
    public bool TryFindByApiAddr(string apiAddr, [NotNullWhen(true)] out MemberView? member)
    {
        member = View().FirstOrDefault(v => !v.IsSelf && v.ApiAddr == apiAddr);
        return member is not null;
    }

    /// <summary>The state a claim speaks of: "left" wins over whatever else it says.</summary>
    public static MemberState StateOf(MemberDigest digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        return digest.Left ? MemberState.Left : digest.State switch
        {
            "suspect" => MemberState.Suspect,
            "dead" => MemberState.Dead,
            "left" => MemberState.Left,
            _ => MemberState.Alive,
        };
    }

    /// <summary>The wire name of a state.</summary>
    public static string NameOf(MemberState state) => state switch
    {
        MemberState.Alive => "alive",
        MemberState.Suspect => "suspect",
        MemberState.Dead => "dead",
        _ => "left",
    };

    /// <summary>
    /// The suspects to tell again that they are suspected, so that a live one refutes: those this
    /// node's own probe found unanswering (from half a round after), and those it only heard of once
    /// it has held the suspicion twice the suspicion timeout (by then the prober's verdict normally
    /// arrived; when it did not, this node asks the member itself before its own, longer timer ends).
    /// </summary>
    public IReadOnlyList<(string ApiAddr, string GroupCacheAddr)> SuspectsToRemind()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (_suspects == 0)
            {
                return [];
            }

            var heardAfter = SuspicionTimeoutLocked() * 2;
            return [.. _live.Where(r => r.State == MemberState.Suspect && now - r.StateSince >= (r.SuspectedHere ? _probeInterval / 2 : heardAfter))
                .Select(r => (r.ApiAddr, r.GroupCacheAddr))];
        }
    }

    // A node that only heard of a suspicion waits four times as long as one whose own probe failed:
    // their word (the death, or the refutation they heard) normally reaches it first, and its timer
    // is only the fallback for when they fail too. At twice as long, the simulator at N = 1,000 and
    // 5 % loss saw a node declare a live member dead whose refutation had not reached it in 6 s.
    private static bool SuspicionIsOver(Row row, DateTimeOffset now, TimeSpan suspicion) =>
        row.State == MemberState.Suspect && now - row.StateSince >= (row.SuspectedHere ? suspicion : suspicion * HeardOfSuspicionFactor);

    private void Remember(OrderedDictionary<string, ForgottenMember> list, Row row, DateTimeOffset now)
    {
        // Bounded, oldest out first: the longer ago a member was forgotten, the less likely it is
        // to come back, and a full list must still take the members that die now.
        list.Remove(row.GroupCacheAddr);
        if (list.Count >= _maxMembers)
        {
            list.RemoveAt(0);
        }

        list.Add(row.GroupCacheAddr, new ForgottenMember(row.ApiAddr, row.Incarnation, row.Heartbeat, row.StateSince, now));
    }

    // Entries are in the order they were forgotten, so the expired ones are at the front. This also
    // ends the pings to a member that answers but cannot be taken back while the table is full.
    private void DropExpiredForgottenDead(DateTimeOffset now)
    {
        var kept = _forgetAfter * ForgottenDeadKeptFactor;
        foreach (var list in (ReadOnlySpan<OrderedDictionary<string, ForgottenMember>>)[_forgottenDead, _forgottenHeard])
        {
            while (list.Count > 0 && now - list.GetAt(0).Value.ForgottenAt >= kept)
            {
                list.RemoveAt(0);
            }
        }
    }

    // How long after the last death claim about itself a returning node flushes again: the time a
    // node that only heard of a suspicion waits for the prober's word, which is what the protocol
    // allows gossip to reach every member.
    private TimeSpan SettleTimeLocked() => SuspicionTimeoutLocked() * HeardOfSuspicionFactor;

    private TimeSpan SuspicionTimeoutLocked()
    {
        var scaled = _probeInterval * Math.Log10(_live.Count + 2);
        var floor = _minSuspicion - _probeInterval > _probeInterval ? _minSuspicion - _probeInterval : _probeInterval;
        return scaled > floor ? scaled : floor;
    }

    private MemberDigest? MergeOne(MemberDigest d, DateTimeOffset now)
    {
        if (d.Incarnation > now.ToUnixTimeMilliseconds() + ClusterLimits.MaxIncarnationAheadMs)
        {
            // An incarnation is a process's start time in Unix ms (plus one per refutation by a new
            // incarnation): one far ahead of this clock is a forgery or a broken clock. Taken, it would
            // outrank every claim the member can make of itself until the clock caught up.
            return null;
        }

        var state = StateOf(d);
        if (d.GroupCacheAddr == _self.GroupCacheAddr)
        {
            return MergeAboutSelf(d, state, now);
        }

        if (!_members.TryGetValue(d.GroupCacheAddr, out var row))
        {
            if (state is MemberState.Alive or MemberState.Suspect && _forgottenDead.TryGetValue(d.GroupCacheAddr, out var died)
                && (d.Incarnation < died.Incarnation || (d.Incarnation == died.Incarnation && d.Heartbeat <= died.Heartbeat)))
            {
                // Old news of a member forgotten while dead, from a node that never heard of the
                // death: as when its dead row was still here, it comes back only by refuting the
                // death (a higher version, which the pings to it ask for) or as a new process.
                return null;
            }

            if (_members.Count >= _maxMembers)
            {
                return null;
            }

            if (state is MemberState.Dead or MemberState.Left && d.AgeMs >= (long)_forgetAfter.TotalMilliseconds)
            {
                // Gone for longer than this node keeps such rows: forgotten at the next round, it
                // would only be news passed on (and, from a hostile peer, 256 new rows a message).
                return null;
            }

            row = new Row(d.ApiAddr, d.GroupCacheAddr, d.Incarnation, d.Heartbeat, MemberState.Left, now);
            _members.Add(d.GroupCacheAddr, row);
            _sortedKeys.Insert(~_sortedKeys.BinarySearch(d.GroupCacheAddr, StringComparer.Ordinal), d.GroupCacheAddr);
            SetState(row, state, now);
            if (state is MemberState.Dead or MemberState.Left)
            {
                // Gone already: the sender last had news of it AgeMs ago, which for a gone member
                // is about when it went (or a little before). The row's forget timer goes on from
                // there. Started afresh, it would outlive the sender's row, and nodes that forget at
                // different times would hand the row back to each other in their pages and never
                // be rid of it.
                var since = now - TimeSpan.FromMilliseconds(d.AgeMs);
                row.StateSince = since;
                row.LastSeen = since;
            }

            _forgottenDead.Remove(d.GroupCacheAddr, out var forgotten);
            _forgottenHeard.Remove(d.GroupCacheAddr, out var heard);
            if ((forgotten ?? heard) is { } gone && gone.Incarnation == d.Incarnation && state is MemberState.Alive or MemberState.Suspect)
            {
                _rejoined.Add(d.GroupCacheAddr);
            }

            return DigestOf(row, now);
        }

        // "Left" is final for an incarnation: only a new process (a higher incarnation) comes back.
        int version = d.Incarnation != row.Incarnation ? d.Incarnation.CompareTo(row.Incarnation) : d.Heartbeat.CompareTo(row.Heartbeat);
        if (version < 0 || (row.State == MemberState.Left && d.Incarnation == row.Incarnation) || (version == 0 && state <= row.State))
        {
            return null;
        }

        bool wasDead = row.State == MemberState.Dead;
        bool sameLife = d.Incarnation == row.Incarnation;
        row.ApiAddr = d.ApiAddr;
        row.Incarnation = d.Incarnation;
        row.Heartbeat = d.Heartbeat;
        // A newer version starts its state afresh, even the same state: a suspicion of a version
        // the member already refuted must not lend its timer to a new one, or the member is
        // declared dead early, at a version it outranked, and everyone flushes when it refutes.
        if (row.State != state || version > 0)
        {
            SetState(row, state, now);
        }

        row.LastSeen = now;
        if (wasDead && sameLife && state is MemberState.Alive or MemberState.Suspect)
        {
            _rejoined.Add(row.GroupCacheAddr);
        }

        return DigestOf(row, now);
    }

    // Someone speaks of this node. A claim that it is suspect, dead or gone, at a version at least
    // ours, is refuted by outranking it: a higher counter in this life, or a higher incarnation
    // when the claim names a later one (a previous process of ours used a later clock).
    private MemberDigest? MergeAboutSelf(MemberDigest d, MemberState state, DateTimeOffset now)
    {
        if (_self.State == MemberState.Left)
        {
            return null;
        }

        if (state is MemberState.Dead or MemberState.Left && d.Incarnation == _self.Incarnation
            && (d.Incarnation != _deathHeardIncarnation || d.Heartbeat > _deathHeardHeartbeat))
        {
            // Declared dead (or gone) in this life: the others took this node off their rings, so
            // what they wrote meanwhile did not invalidate it here. Like a member that comes back,
            // this node flushes, once per such claim (gossip repeats each one several times).
            _deathHeardIncarnation = d.Incarnation;
            _deathHeardHeartbeat = d.Heartbeat;
            _rejoined.Add(_self.GroupCacheAddr);
        }

        if (state is MemberState.Dead or MemberState.Left && d.Incarnation == _self.Incarnation
            && (d.Incarnation, d.Heartbeat).CompareTo(_settledClaim) > 0)
        {
            // Someone still holds this node dead (or passes on the claim): until they take it back,
            // what is written through them does not invalidate it here. Flush once more when the
            // claims have stopped for the time gossip is given to reach every member. Not again for
            // a death that flush covered: the same old claim can come back without end.
            _settleFlushAt = now + SettleTimeLocked();
            if ((d.Incarnation, d.Heartbeat).CompareTo(_settleClaim) > 0)
            {
                _settleClaim = (d.Incarnation, d.Heartbeat);
            }
        }

        if (d.Incarnation > _self.Incarnation || (d.Incarnation == _self.Incarnation && state == MemberState.Left))
        {
            // A later incarnation, or "left" (final for this one): only a new incarnation outranks it.
            _self.Incarnation = d.Incarnation + 1;
            _self.Heartbeat = 0;
        }
        else if (d.Incarnation == _self.Incarnation && (d.Heartbeat > _self.Heartbeat || (d.Heartbeat == _self.Heartbeat && state != MemberState.Alive)))
        {
            if (d.Heartbeat < ClusterLimits.MaxCounter)
            {
                _self.Heartbeat = d.Heartbeat + 1;
            }
            else
            {
                // A counter one past the limit would be refused by every receiver, and with it every
                // message this node sends (its own row leads each one): outrank by a new incarnation.
                _self.Incarnation++;
                _self.Heartbeat = 0;
            }
        }
        else
        {
            return null;
        }

        Refutations++;
        return DigestOf(_self, now);
    }

    // Every state change of another member's row goes through here, so that the live list stays true.
    private void SetState(Row row, MemberState state, DateTimeOffset now)
    {
        row.SuspectedHere = false;
        row.HeldLiveHere |= state is MemberState.Alive or MemberState.Suspect;
        bool wasLive = row.LiveIndex >= 0;
        bool isLive = state is MemberState.Alive or MemberState.Suspect;
        _suspects += (state == MemberState.Suspect ? 1 : 0) - (row.State == MemberState.Suspect ? 1 : 0);
        row.State = state;
        row.StateSince = now;
        if (isLive && !wasLive)
        {
            row.LiveIndex = _live.Count;
            _live.Add(row);
        }
        else if (!isLive && wasLive)
        {
            var last = _live[^1];
            _live[row.LiveIndex] = last;
            last.LiveIndex = row.LiveIndex;
            _live.RemoveAt(_live.Count - 1);
            row.LiveIndex = -1;
        }
    }

    private MemberDigest DigestOf(Row row, DateTimeOffset now)
    {
        long age = row == _self ? 0 : (long)Math.Clamp((now - row.LastSeen).TotalMilliseconds, 0, ClusterLimits.MaxAgeMs);
        return new MemberDigest(row.ApiAddr, row.GroupCacheAddr, row.Incarnation, row.Heartbeat, row.State == MemberState.Left, age, NameOf(row.State));
    }

    private sealed record ForgottenMember(string ApiAddr, long Incarnation, long Heartbeat, DateTimeOffset DeadSince, DateTimeOffset ForgottenAt);

    private sealed class Row(string apiAddr, string groupCacheAddr, long incarnation, long heartbeat, MemberState state, DateTimeOffset now)
    {
        public string ApiAddr = apiAddr;
        public readonly string GroupCacheAddr = groupCacheAddr;
        public long Incarnation = incarnation;
        public long Heartbeat = heartbeat;
        public MemberState State = state;
        public DateTimeOffset StateSince = now;
        public DateTimeOffset LastSeen = now;
        public int LiveIndex = -1;

        // This node's own probe failed (it did not only hear of the suspicion): it declares the
        // death after the suspicion timeout; the others wait HeardOfSuspicionFactor times as long
        // for its word, so that a refutation has to reach only the nodes whose probes failed.
        public bool SuspectedHere;

        // This node held the member alive or suspect at some point: only such a member, forgotten
        // while dead, goes to the forgotten-dead list. One that arrived already dead was hearsay.
        public bool HeldLiveHere;
    }
}
