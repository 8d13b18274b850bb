using System.Diagnostics.CodeAnalysis;

namespace CacheApp.Cluster;

/// <summary>
/// This node's view of the cluster, merged from gossip. Pure state: no I/O, time from a
/// <see cref="TimeProvider"/>, so that convergence and failure detection are tested without sleeping.
/// </summary>
/// <remarks>
/// Merge rules, per member (keyed by groupcache address): a higher incarnation replaces the row;
/// at the same incarnation "left" wins and is final, otherwise a higher heartbeat is news; anything
/// else is stale and ignored. A row's last-seen time is moved to "now minus the sender's age", never
/// backwards, so a long-dead member relayed by a slow node does not look alive.
/// </remarks>
public sealed class MemberTable
{
    private readonly Lock _lock = new(); // guards _members, the rows in it, _rejoined and _forgottenDead
    private readonly Dictionary<string, Row> _members = new(StringComparer.Ordinal);

    // Members that came back from dead with the same incarnation since the last TakeRejoined: the
    // process lived on, cut off from this node, and either side may have missed invalidations.
    private readonly List<string> _rejoined = [];

    // Members forgotten while dead (not left), with their incarnation, so that one that comes back
    // after MEMBER_FORGET_AFTER is still recognised as a returning process and not a new one.
    private readonly Dictionary<string, long> _forgottenDead = new(StringComparer.Ordinal);
    private readonly Row _self;
    private readonly TimeProvider _time;
    private readonly TimeSpan _suspectAfter;
    private readonly TimeSpan _deadAfter;
    private readonly TimeSpan _forgetAfter;
    private readonly int _maxMembers;

    public MemberTable(string selfApiAddr, string selfGroupCacheAddr, long incarnation, TimeProvider time, TimeSpan suspectAfter, TimeSpan deadAfter, TimeSpan forgetAfter, int maxMembers)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _suspectAfter = suspectAfter;
        _deadAfter = deadAfter;
        _forgetAfter = forgetAfter;
        _maxMembers = maxMembers;
        _self = new Row(selfApiAddr, selfGroupCacheAddr, incarnation, 0, false, time.GetUtcNow());
        _members.Add(selfGroupCacheAddr, _self);
    }

    public string SelfGroupCacheAddr => _self.GroupCacheAddr;

    public string SelfApiAddr => _self.ApiAddr;

    /// <summary>Starts a gossip round: bumps this node's heartbeat and forgets long-gone members.</summary>
    public void Tick()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_self.Left)
            {
                _self.Heartbeat++;
            }

            _self.LastSeen = now;
            List<string>? forget = null;
            foreach (var row in _members.Values)
            {
                if (row != _self && (row.Left || now - row.LastSeen >= _deadAfter) && now - row.LastSeen >= _forgetAfter)
                {
                    (forget ??= []).Add(row.GroupCacheAddr);
                }
            }

            foreach (string key in forget ?? [])
            {
                var row = _members[key];
                if (!row.Left && _forgottenDead.Count < _maxMembers)
                {
                    _forgottenDead[key] = row.Incarnation;
                }

                _members.Remove(key);
            }
        }
    }

    /// <summary>Marks this node as leaving; its next messages tell the others so.</summary>
    public void MarkLeaving()
    {
        lock (_lock)
        {
            _self.Left = true;
            _self.Heartbeat++;
        }
    }

    /// <summary>Merges what another node said. Returns true when some row changed.</summary>
    public bool Merge(IEnumerable<MemberDigest> digests)
    {
        ArgumentNullException.ThrowIfNull(digests);
        var now = _time.GetUtcNow();
        bool changed = false;
        lock (_lock)
        {
            foreach (var d in digests)
            {
                changed |= MergeOne(d, now);
            }
        }

        return changed;
    }

    private bool MergeOne(MemberDigest d, DateTimeOffset now)
    {
        var seen = now - TimeSpan.FromMilliseconds(Math.Max(0, d.AgeMs));
        if (d.GroupCacheAddr == _self.GroupCacheAddr)
        {
            // Someone speaks of this node with an incarnation at least as new as ours but a
            // different story (we left, or a previous process of ours used a later clock): outrank it.
            if (!_self.Left && (d.Incarnation > _self.Incarnation || (d.Incarnation == _self.Incarnation && d.Left)))
            {
                _self.Incarnation = d.Incarnation + 1;
                _self.Heartbeat = 0;
            }

            return false;
        }

        if (!_members.TryGetValue(d.GroupCacheAddr, out var row))
        {
            if (_members.Count >= _maxMembers)
            {
                return false;
            }

            _members.Add(d.GroupCacheAddr, new Row(d.ApiAddr, d.GroupCacheAddr, d.Incarnation, d.Heartbeat, d.Left, Min(seen, now)));
            if (_forgottenDead.Remove(d.GroupCacheAddr, out long forgotten) && forgotten == d.Incarnation && !d.Left && now - seen < _deadAfter)
            {
                _rejoined.Add(d.GroupCacheAddr);
            }

            return true;
        }

        if (d.Incarnation > row.Incarnation)
        {
            row.ApiAddr = d.ApiAddr;
            row.Incarnation = d.Incarnation;
            row.Heartbeat = d.Heartbeat;
            row.Left = d.Left;
            row.LastSeen = seen > row.LastSeen ? seen : row.LastSeen;
            return true;
        }

        if (d.Incarnation < row.Incarnation || row.Left)
        {
            return false;
        }

        if (d.Left)
        {
            row.Left = true;
            row.Heartbeat = Math.Max(row.Heartbeat, d.Heartbeat);
            return true;
        }

        if (d.Heartbeat > row.Heartbeat)
        {
            bool wasDead = StateOf(row, now) == MemberState.Dead;
            row.Heartbeat = d.Heartbeat;
            if (seen > row.LastSeen)
            {
                row.LastSeen = seen;
            }

            if (wasDead && StateOf(row, now) != MemberState.Dead)
            {
                _rejoined.Add(row.GroupCacheAddr);
            }

            return true;
        }

        return false;
    }

    /// <summary>
    /// The members that came back from dead with the same incarnation (a healed partition, a
    /// process that was frozen) since the last call; a restarted process has a new incarnation and
    /// is not one of them.
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

    /// <summary>The table as sent to other nodes.</summary>
    public ClusterMessage ToMessage()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var digests = new MemberDigest[_members.Count];
            int i = 0;
            foreach (var row in _members.Values)
            {
                long age = row == _self ? 0 : (long)Math.Max(0, (now - row.LastSeen).TotalMilliseconds);
                digests[i++] = new MemberDigest(row.ApiAddr, row.GroupCacheAddr, row.Incarnation, row.Heartbeat, row.Left, age);
            }

            return new ClusterMessage(_self.GroupCacheAddr, digests);
        }
    }

    /// <summary>Every row with its state now, this node first, then by groupcache address.</summary>
    public IReadOnlyList<MemberView> View()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            return [.. _members.Values
                .Select(r => new MemberView(r.ApiAddr, r.GroupCacheAddr, StateOf(r, now), r.LastSeen, r.Incarnation, r.Heartbeat, r == _self))
                .OrderByDescending(v => v.IsSelf)
                .ThenBy(v => v.GroupCacheAddr, StringComparer.Ordinal)];
        }
    }

    /// <summary>The ring: this node and every alive or suspect member, by groupcache address, sorted.</summary>
    public IReadOnlyList<string> RingMembers()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var ring = new List<string>(_members.Count);
            foreach (var row in _members.Values)
            {
                if (row == _self || StateOf(row, now) is MemberState.Alive or MemberState.Suspect)
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

    private MemberState StateOf(Row row, DateTimeOffset now)
    {
        if (row.Left)
        {
            return MemberState.Left;
        }

        if (row == _self)
        {
            return MemberState.Alive;
        }

        var silent = now - row.LastSeen;
        return silent >= _deadAfter ? MemberState.Dead : silent >= _suspectAfter ? MemberState.Suspect : MemberState.Alive;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private sealed class Row(string apiAddr, string groupCacheAddr, long incarnation, long heartbeat, bool left, DateTimeOffset lastSeen)
    {
        public string ApiAddr = apiAddr;
        public readonly string GroupCacheAddr = groupCacheAddr;
        public long Incarnation = incarnation;
        public long Heartbeat = heartbeat;
        public bool Left = left;
        public DateTimeOffset LastSeen = lastSeen;
    }
}
