using CacheApp.Cluster;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Cluster;

public class MemberTableTests
{
    // The protocol's round, and MEMBER_DEAD_AFTER: with a few members a suspicion lasts Dead - Round.
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Dead = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Forget = TimeSpan.FromSeconds(60);

    private readonly ManualTime _time = new();

    private static string Api(int n) => $"http://127.0.0.1:{9000 + (2 * n)}";

    private static string Gc(int n) => $"http://127.0.0.1:{9001 + (2 * n)}";

    private MemberTable Table(int n, long incarnation = 100, int max = 256) =>
        new(Api(n), Gc(n), incarnation, _time, Round, Dead, Forget, max);

    private static MemberDigest Digest(int n, long incarnation = 100, long heartbeat = 1, bool left = false, long ageMs = 0, string? state = null) =>
        new(Api(n), Gc(n), incarnation, heartbeat, left, ageMs, state);

    // A probe of n went unanswered and nobody refuted the suspicion in time.
    private void Die(MemberTable table, int n)
    {
        Assert.NotNull(table.Suspect(Gc(n)));
        _time.Advance(Dead);
        Assert.Contains(table.Tick(), d => d.GroupCacheAddr == Gc(n));
    }

    /// <summary>Member <paramref name="n"/> joins at heartbeat 5, dies, and is forgotten MEMBER_FORGET_AFTER later.</summary>
    private void ForgetWhileDead(MemberTable table, int n)
    {
        table.Merge([Digest(n, heartbeat: 5)]);
        Die(table, n);
        _time.Advance(Forget);
        table.Tick();
        Assert.DoesNotContain(table.View(), v => v.GroupCacheAddr == Gc(n));
    }

    private static MemberState StateOf(MemberTable table, int n) => table.View().Single(v => v.GroupCacheAddr == Gc(n)).State;

    [Fact]
    public void ProbeTarget_NodesThatAgree_ProbeEveryMemberOnceASlot_AndEachProbesEveryOtherInNMinusOneSlots()
    {
        const int Members = 7;
        var tables = Enumerable.Range(0, Members).Select(n => Table(n)).ToArray();
        foreach (var table in tables)
        {
            table.Merge([.. Enumerable.Range(0, Members).Select(n => Digest(n))]);
        }

        var probedByEach = tables.Select(_ => new HashSet<string>()).ToArray();
        for (long slot = 1_000_000; slot < 1_000_000 + Members - 1; slot++)
        {
            var targets = tables.Select(t => t.ProbeTarget(slot)!.Value.GroupCacheAddr).ToArray();

            Assert.Equal(Members, targets.Distinct().Count());
            for (int n = 0; n < Members; n++)
            {
                Assert.NotEqual(Gc(n), targets[n]);
                Assert.True(probedByEach[n].Add(targets[n]), $"node {n} probed {targets[n]} twice in {Members - 1} slots");
            }
        }
    }

    [Fact]
    public void ProbeTarget_SkipsDeadMembers_ProbesSuspects_AndIsNullWhenAlone()
    {
        var table = Table(0);
        Assert.Null(table.ProbeTarget(5));

        table.Merge([Digest(1), Digest(2), Digest(3)]);
        Die(table, 1);
        Assert.NotNull(table.Suspect(Gc(3)));

        // Dead 1 is left out; suspect 3 is still probed: the ring is 0, 2, 3.
        Assert.Equal((Api(2), Gc(2)), table.ProbeTarget(4));
        Assert.Equal((Api(3), Gc(3)), table.ProbeTarget(5));
    }

    [Fact]
    public void New_Table_RingIsSelfOnly()
    {
        Assert.Equal([Gc(0)], Table(0).RingMembers());
    }

    [Fact]
    public void Merge_NewMember_IsAliveAndOnTheRing()
    {
        var table = Table(0);

        Assert.True(table.Merge([Digest(1)]));

        Assert.Equal(MemberState.Alive, StateOf(table, 1));
        Assert.Equal([Gc(0), Gc(1)], table.RingMembers());
    }

    [Fact]
    public void Suspect_ThenNoRefutationForTheSuspicionTimeout_StaysOnTheRingThenDiesAndLeavesIt()
    {
        var table = Table(0);
        table.Merge([Digest(1)]);

        // Silence alone changes nothing: only a failed probe (or another node's claim) does.
        _time.Advance(Dead * 10);
        table.Tick();
        Assert.Equal(MemberState.Alive, StateOf(table, 1));

        var suspicion = table.Suspect(Gc(1));
        Assert.Equal("suspect", suspicion?.State);
        Assert.Equal(MemberState.Suspect, StateOf(table, 1));
        Assert.Contains(Gc(1), table.RingMembers());

        // MEMBER_DEAD_AFTER less the round it took to notice.
        Assert.Equal(Dead - Round, table.SuspicionTimeout);
        _time.Advance(Dead - Round - TimeSpan.FromMilliseconds(1));
        Assert.Empty(table.Tick());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var death = Assert.Single(table.Tick());
        Assert.Equal("dead", death.State);
        Assert.Equal(MemberState.Dead, StateOf(table, 1));
        Assert.Equal([Gc(0)], table.RingMembers());
    }

    [Fact]
    public void Suspect_RefutedWithAHigherHeartbeat_IsAliveAgain()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 5)]);
        table.Suspect(Gc(1));

        Assert.False(table.Merge([Digest(1, heartbeat: 5)]));
        Assert.True(table.Merge([Digest(1, heartbeat: 6)]));

        Assert.Equal(MemberState.Alive, StateOf(table, 1));
        _time.Advance(Dead);
        Assert.Empty(table.Tick());
    }

    [Fact]
    public void SuspicionTimeout_GrowsWithLogOfTheClusterSize()
    {
        var small = Table(0, max: 2000);
        var large = Table(0, max: 2000);
        small.Merge([.. Enumerable.Range(1, 9).Select(n => Digest(n))]);
        large.Merge([.. Enumerable.Range(1, 999).Select(n => Digest(n))]);

        Assert.Equal(Dead - Round, small.SuspicionTimeout);
        Assert.True(large.SuspicionTimeout >= Round * 3, $"{large.SuspicionTimeout}");
    }

    // The wall clock stepped back an hour (NTP, an operator, a VM resynchronised) while member 1
    // was suspected: its suspicion must still end after the suspicion timeout, not an hour later.
    [Fact]
    public void MemberTable_WallClockSteppedBack_SuspicionStillEndsOnTime()
    {
        var table = Table(0);
        table.Merge([Digest(1), Digest(2)]);
        Assert.NotNull(table.Suspect(Gc(1)));

        _time.Advance(-TimeSpan.FromHours(1));
        Assert.Empty(table.Tick()); // the node's rounds go on through the step
        _time.Advance(Dead + Round);
        var deaths = table.Tick();

        Assert.Contains(deaths, d => d.GroupCacheAddr == Gc(1));
        Assert.Equal(MemberState.Dead, StateOf(table, 1));
    }

    [Fact]
    public void Merge_DeadMemberWithNewerHeartbeat_ComesBack()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 5)]);
        Die(table, 1);

        table.Merge([Digest(1, heartbeat: 6)]);

        Assert.Equal(MemberState.Alive, StateOf(table, 1));
        Assert.Contains(Gc(1), table.RingMembers());
    }

    [Fact]
    public void TakeRejoined_DeadMemberBackWithTheSameIncarnation_IsReportedOnce()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 5)]);
        Die(table, 1);

        table.Merge([Digest(1, heartbeat: 6)]);

        Assert.Equal([Gc(1)], table.TakeRejoined());
        Assert.Empty(table.TakeRejoined());
    }

    [Fact]
    public void TakeRejoined_SelfDeclaredDeadInThisLife_ReportsSelfOncePerClaim()
    {
        var table = Table(0, incarnation: 100);

        // The others dropped this node from their rings: what they wrote meanwhile did not reach it.
        Assert.NotEmpty(table.MergeNews([Digest(0, incarnation: 100, heartbeat: 0, state: "dead")]));
        Assert.Equal([Gc(0)], table.TakeRejoined());

        // The same claim again (gossip repeats it), or an older life's: no second flush.
        table.Merge([Digest(0, incarnation: 100, heartbeat: 0, state: "dead")]);
        table.Merge([Digest(0, incarnation: 99, heartbeat: 3, state: "dead")]);
        Assert.Empty(table.TakeRejoined());

        // Declared dead again after the refutation: a new claim, a new flush.
        long refuted = table.SelfDigest().Heartbeat;
        table.Merge([Digest(0, incarnation: 100, heartbeat: refuted, state: "dead")]);
        Assert.Equal([Gc(0)], table.TakeRejoined());
        Assert.True(table.SelfDigest().Heartbeat > refuted);
    }

    [Fact]
    public void TakeRejoined_SelfNotRunForLongerThanTheForgetTime_ReportsSelf()
    {
        var table = Table(0);
        table.Merge([Digest(1)]);
        table.Tick();

        // A pause the others may not even have noticed: nothing.
        _time.Advance(Forget - TimeSpan.FromSeconds(1));
        table.Tick();
        Assert.Empty(table.TakeRejoined());

        // Frozen past the time the others keep a dead member's row: they forgot this node, so no
        // death claim will ever reach it, and it must flush by itself.
        _time.Advance(Forget + TimeSpan.FromSeconds(1));
        table.Tick();
        Assert.Equal([Gc(0)], table.TakeRejoined());
        _time.Advance(Round);
        table.Tick();
        Assert.Empty(table.TakeRejoined());
    }

    [Fact]
    public void TakeRejoined_SelfDeclaredDead_ReportsSelfAgainOnceTheClaimsStopForTheSettleTime()
    {
        var table = Table(0, incarnation: 100);
        table.Merge([Digest(1)]);
        var settle = table.SuspicionTimeout * MemberTable.HeardOfSuspicionFactor;
        table.Merge([Digest(0, incarnation: 100, heartbeat: 0, state: "dead")]);
        Assert.Equal([Gc(0)], table.TakeRejoined());

        // A member that has not taken this node back yet says so again: that claim flushed
        // already, but what that member writes until it takes the node back misses it here.
        _time.Advance(settle / 2);
        table.Merge([Digest(0, incarnation: 100, heartbeat: 0, state: "dead")]);
        table.Tick();
        Assert.Empty(table.TakeRejoined());
        _time.Advance(settle - Round);
        table.Tick();
        Assert.Empty(table.TakeRejoined());

        // No claim for the settle time: the refutation has had the time gossip is given to reach
        // every member. One more flush drops what was cached while they still held it dead; once.
        _time.Advance(Round);
        table.Tick();
        Assert.Equal([Gc(0)], table.TakeRejoined());
        _time.Advance(settle * 2);
        table.Tick();
        Assert.Empty(table.TakeRejoined());
    }

    [Fact]
    public void TakeRejoined_SelfNotRunForLongerThanTheForgetTime_ReportsSelfAgainAfterTheSettleTime()
    {
        var table = Table(0);
        table.Merge([Digest(1)]);
        table.Tick();
        var settle = table.SuspicionTimeout * MemberTable.HeardOfSuspicionFactor;

        _time.Advance(Forget + TimeSpan.FromSeconds(1));
        table.Tick();
        Assert.Equal([Gc(0)], table.TakeRejoined());

        // The others take it back as they hear from it; until then their writes missed it.
        _time.Advance(settle);
        table.Tick();
        Assert.Equal([Gc(0)], table.TakeRejoined());
    }

    [Fact]
    public void TakeRejoined_SelfOnlySuspected_OrDeclaredDeadInAnEarlierLife_IsNotReported()
    {
        var table = Table(0, incarnation: 100);

        table.Merge([Digest(0, incarnation: 100, heartbeat: 0, state: "suspect")]);
        table.Merge([Digest(0, incarnation: 50, heartbeat: 7, state: "dead")]);

        Assert.Equal(1, table.Refutations);
        Assert.Empty(table.TakeRejoined());
    }

    [Fact]
    public void Suspect_HeardAgainAtANewerVersion_StartsItsTimerAgain()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 5)]);
        Assert.NotNull(table.Suspect(Gc(1)));

        // Just before this node's timer ends, another node's suspicion of the refuted version 6
        // arrives (the refutation itself was lost on the way here).
        _time.Advance(Dead - Round - TimeSpan.FromMilliseconds(100));
        Assert.True(table.Merge([Digest(1, heartbeat: 6, state: "suspect")]));
        _time.Advance(TimeSpan.FromMilliseconds(200));

        // Heard of, not found by its own probe: the new suspicion has the longer timer, from now.
        Assert.Empty(table.ExpireSuspicions());
        Assert.Equal(MemberState.Suspect, StateOf(table, 1));
        _time.Advance((Dead - Round) * MemberTable.HeardOfSuspicionFactor);
        Assert.Equal(6, Assert.Single(table.ExpireSuspicions()).Heartbeat);
    }

    [Fact]
    public void Merge_DeadMemberUnknownHere_KeepsTheSendersAge_SoForgottenRowsAreNotHandedBackForever()
    {
        var table = Table(0);

        // Another node has known of the death for nearly the forget time: the row goes with its.
        table.Merge([Digest(1, heartbeat: 5, state: "dead", ageMs: (long)(Forget - TimeSpan.FromSeconds(1)).TotalMilliseconds)]);
        Assert.Equal(MemberState.Dead, StateOf(table, 1));
        Assert.True(table.DigestOf(Gc(1))!.AgeMs >= (Forget - TimeSpan.FromSeconds(1)).TotalMilliseconds);
        _time.Advance(TimeSpan.FromSeconds(1));
        table.Tick();
        Assert.DoesNotContain(table.View(), v => v.GroupCacheAddr == Gc(1));

        // A member that left, heard of late: the same.
        table.Merge([Digest(2, heartbeat: 5, left: true, ageMs: (long)Forget.TotalMilliseconds * 3)]);
        table.Tick();
        Assert.DoesNotContain(table.View(), v => v.GroupCacheAddr == Gc(2));

        // Fresh news of a death still keeps the row the whole forget time.
        table.Merge([Digest(3, heartbeat: 5, state: "dead")]);
        _time.Advance(Forget - TimeSpan.FromSeconds(1));
        table.Tick();
        Assert.Equal(MemberState.Dead, StateOf(table, 3));
    }

    [Fact]
    public void Merge_UnknownMemberGoneForTheForgetTimeOrLonger_IsIgnored()
    {
        var table = Table(0);
        long forget = (long)Forget.TotalMilliseconds;

        // This node would forget such a row at its next round: it is not news to pass on.
        Assert.Empty(table.MergeNews([Digest(1, state: "dead", ageMs: forget), Digest(2, left: true, ageMs: forget * 3)]));
        Assert.Equal(1, table.Count);

        // Just within the forget time it is still taken (and forgotten on time).
        Assert.Single(table.MergeNews([Digest(3, state: "dead", ageMs: forget - 1)]));
    }

    [Fact]
    public void TakeRejoined_SuspectMemberBack_IsNotReported()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 5)]);
        table.Suspect(Gc(1));

        table.Merge([Digest(1, heartbeat: 6)]);

        Assert.Empty(table.TakeRejoined());
    }

    [Fact]
    public void TakeRejoined_DeadMemberRestartedWithANewIncarnation_IsNotReported()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 5)]);
        Die(table, 1);

        table.Merge([Digest(1, incarnation: 200, heartbeat: 1)]);

        Assert.Equal(MemberState.Alive, StateOf(table, 1));
        Assert.Empty(table.TakeRejoined());
    }

    [Fact]
    public void TakeRejoined_DeadMemberRelayedAliveAtTheSameVersion_IsNotRevived()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 5)]);
        Die(table, 1);

        // Old news from a node that has not heard of the death: the dead member must refute it itself.
        Assert.False(table.Merge([Digest(1, heartbeat: 5)]));

        Assert.Equal(MemberState.Dead, StateOf(table, 1));
        Assert.Empty(table.TakeRejoined());
    }

    [Fact]
    public void TakeRejoined_MemberForgottenWhileDeadComesBack_IsReported()
    {
        var table = Table(0);
        ForgetWhileDead(table, 1);

        table.Merge([Digest(1, heartbeat: 90)]);

        Assert.Equal([Gc(1)], table.TakeRejoined());
    }

    // A node that joined during a partition longer than MEMBER_FORGET_AFTER learnt of member 1 only
    // as dead (from a page), and forgot it. Member 1 was alive on the other side all along, and what
    // was written through it there did not invalidate this node. When it comes back with the same
    // life, this node must flush, as the nodes that held it alive do (docs/RELIABILITY.md, (f)).
    [Fact]
    public void MemberTable_MemberOnlyHeardOfAsDead_ForgottenThenBackWithTheSameLife_IsReportedAsRejoined()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 5, state: "dead")]);
        _time.Advance(Forget);
        table.Tick();
        Assert.DoesNotContain(table.View(), v => v.GroupCacheAddr == Gc(1));

        table.Merge([Digest(1, heartbeat: 6, state: "alive")]);

        Assert.Equal([Gc(1)], table.TakeRejoined());
        Assert.Empty(table.ForgottenDead()); // still never pinged: this node did not hold it alive
    }

    [Fact]
    public void Merge_MemberForgottenWhileDead_RelayedAliveAtTheVersionItDiedWith_IsNotRevived()
    {
        var table = Table(0);
        ForgetWhileDead(table, 1);

        // Old news from a node that never heard of the death, at the version it died with or older.
        Assert.Empty(table.MergeNews([Digest(1, heartbeat: 5)]));
        Assert.Empty(table.MergeNews([Digest(1, heartbeat: 4, state: "suspect")]));
        Assert.Empty(table.MergeNews([Digest(1, incarnation: 99, heartbeat: 9)]));
        Assert.DoesNotContain(table.View(), v => v.GroupCacheAddr == Gc(1));
        Assert.Empty(table.TakeRejoined());

        // Its refutation (a higher version) brings it back, as the same process.
        Assert.Single(table.MergeNews([Digest(1, heartbeat: 6)]));
        Assert.Equal(MemberState.Alive, StateOf(table, 1));
        Assert.Equal([Gc(1)], table.TakeRejoined());
    }

    [Fact]
    public void Merge_SameHeartbeatAgain_IsNotNews()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 5)]);
        Assert.False(table.Merge([Digest(1, heartbeat: 5)]));
        Die(table, 1);

        Assert.False(table.Merge([Digest(1, heartbeat: 5)]));
        Assert.Equal(MemberState.Dead, StateOf(table, 1));
    }

    [Fact]
    public void Merge_LeftThenStaleAliveGossip_StaysLeft()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 5)]);

        table.Merge([Digest(1, heartbeat: 6, left: true)]);
        table.Merge([Digest(1, heartbeat: 9)]);

        Assert.Equal(MemberState.Left, StateOf(table, 1));
        Assert.Equal([Gc(0)], table.RingMembers());
    }

    [Fact]
    public void Merge_LeftThenHigherIncarnation_Rejoins()
    {
        var table = Table(0);
        table.Merge([Digest(1, incarnation: 100, left: true)]);

        table.Merge([Digest(1, incarnation: 200, heartbeat: 1)]);

        Assert.Equal(MemberState.Alive, StateOf(table, 1));
        Assert.Contains(Gc(1), table.RingMembers());
    }

    [Fact]
    public void Merge_LowerIncarnation_IsIgnored()
    {
        var table = Table(0);
        table.Merge([Digest(1, incarnation: 200, heartbeat: 1)]);

        Assert.False(table.Merge([Digest(1, incarnation: 100, heartbeat: 50, left: true)]));
        Assert.Equal(MemberState.Alive, StateOf(table, 1));
    }

    [Fact]
    public void Merge_UnknownMemberRelayedAsDead_IsDeadNotOnTheRing()
    {
        var table = Table(0);

        table.Merge([Digest(2, state: "dead", ageMs: (long)(Dead * 3).TotalMilliseconds)]);

        Assert.Equal(MemberState.Dead, StateOf(table, 2));
        Assert.Equal([Gc(0)], table.RingMembers());
    }

    [Fact]
    public void Merge_SuspectThenDeadClaimsAtTheSameVersion_OutrankAliveAndEachOther()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 3)]);

        Assert.True(table.Merge([Digest(1, heartbeat: 3, state: "suspect")]));
        Assert.Equal(MemberState.Suspect, StateOf(table, 1));
        Assert.False(table.Merge([Digest(1, heartbeat: 3, state: "alive")]));
        Assert.True(table.Merge([Digest(1, heartbeat: 3, state: "dead")]));
        Assert.False(table.Merge([Digest(1, heartbeat: 3, state: "suspect")]));

        Assert.Equal(MemberState.Dead, StateOf(table, 1));
    }

    [Fact]
    public void Merge_NewerHeartbeatButOlderAge_KeepsTheFresherLastSeen()
    {
        var table = Table(0);
        table.Merge([Digest(1, heartbeat: 1)]);
        _time.Advance(TimeSpan.FromSeconds(1));

        table.Merge([Digest(1, heartbeat: 2, ageMs: 60_000)]);

        Assert.Equal(MemberState.Alive, StateOf(table, 1));
    }

    [Fact]
    public void Merge_SelfReportedLeftAtSameIncarnation_RefutesWithAHigherIncarnation()
    {
        var table = Table(0, incarnation: 100);

        table.Merge([Digest(0, incarnation: 100, left: true)]);

        var self = table.View().Single(v => v.IsSelf);
        Assert.Equal(MemberState.Alive, self.State);
        Assert.True(self.Incarnation > 100);
        Assert.Contains(Gc(0), table.RingMembers());
    }

    [Fact]
    public void Merge_BeyondMaxMembers_IgnoresTheRest()
    {
        var table = Table(0, max: 3);

        table.Merge([Digest(1), Digest(2), Digest(3), Digest(4)]);

        Assert.Equal(3, table.View().Count);
    }

    [Fact]
    public void Tick_DeadPastForgetAfter_ForgetsTheMember()
    {
        var table = Table(0);
        table.Merge([Digest(1)]);
        Die(table, 1);
        _time.Advance(Forget);

        table.Tick();

        Assert.DoesNotContain(table.View(), v => v.GroupCacheAddr == Gc(1));
    }

    [Fact]
    public void Merge_SelfSuspectedAtItsVersion_RefutesWithAHigherHeartbeat()
    {
        var table = Table(0, incarnation: 100);

        var news = table.MergeNews([Digest(0, incarnation: 100, heartbeat: 0, state: "suspect")]);

        var refutation = Assert.Single(news);
        Assert.Equal(1, refutation.Heartbeat);
        Assert.Equal("alive", refutation.State);
        Assert.Equal(1, table.Refutations);
        Assert.Empty(table.MergeNews([Digest(0, incarnation: 100, heartbeat: 0, state: "dead")]));
    }

    [Fact]
    public void Merge_SelfSuspectedAtTheLargestHeartbeat_RefutesWithANewIncarnationThatReceiversAccept()
    {
        var table = Table(0, incarnation: 100);

        var news = table.MergeNews([Digest(0, incarnation: 100, heartbeat: ClusterLimits.MaxCounter, state: "dead")]);

        var refutation = Assert.Single(news);
        Assert.Equal(101, refutation.Incarnation);
        Assert.Equal(0, refutation.Heartbeat);
        Assert.Equal("alive", refutation.State);
        var message = new ClusterMessage(Gc(0), [refutation]);
        Assert.True(ClusterMessageValidator.TryNormalize(message, out _, out string? error), error);
    }

    [Fact]
    public void Merge_IncarnationMoreThanADayAheadOfTheClock_IsIgnored_AboutOthersAndAboutItself()
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var table = Table(0, incarnation: now);
        long farAhead = now + ClusterLimits.MaxIncarnationAheadMs + 1;

        Assert.False(table.Merge([Digest(1, incarnation: farAhead)]));
        Assert.Empty(table.MergeNews([Digest(0, incarnation: farAhead, state: "dead")]));
        Assert.Equal(now, table.View().Single(v => v.IsSelf).Incarnation);

        // Within the day (a clock somewhat ahead) it is taken, and refuted with one more.
        var refutation = Assert.Single(table.MergeNews([Digest(0, incarnation: now + 1000, state: "dead")]));
        Assert.Equal(now + 1001, refutation.Incarnation);
    }

    [Fact]
    public void Tick_MoreDeadMembersForgottenThanTheTableHolds_TheLatestAreStillRecognisedWhenTheyReturn()
    {
        var table = Table(0, max: 4);
        for (int n = 1; n <= 6; n++)
        {
            ForgetWhileDead(table, n);
        }

        // The list holds the last four forgotten (3…6): the oldest made room for them.
        table.Merge([Digest(6, heartbeat: 90)]);
        Assert.Equal([Gc(6)], table.TakeRejoined());
        table.Merge([Digest(1, heartbeat: 90)]);
        Assert.Empty(table.TakeRejoined());
    }

    [Fact]
    public void Tick_DeadMembersOnlyHeardOf_AreNotRemembered_AndDoNotPushOutAMemberThisNodeHeldAlive()
    {
        var table = Table(0, max: 8);
        table.Merge([Digest(1, heartbeat: 5)]);
        Die(table, 1);

        // A peer names members this node never held alive, gone for just under the forget time,
        // three times as many as the list holds: taken as dead rows, forgotten at the next round.
        long ageMs = (long)Forget.TotalMilliseconds - 1;
        for (int batch = 0; batch < 4; batch++)
        {
            table.Merge([.. Enumerable.Range(10 + (batch * 6), 6).Select(n => Digest(n, state: "dead", ageMs: ageMs))]);
            _time.Advance(Forget);
            table.Tick();
        }

        Assert.Equal([Gc(1)], table.ForgottenDead().Select(f => f.GroupCacheAddr));
        table.Merge([Digest(1, heartbeat: 90)]);
        Assert.Equal([Gc(1)], table.TakeRejoined());
    }

    [Fact]
    public void ForgottenDead_ListsTheLatestForgottenFirst_AndDropsEachAfterTheKeptTime()
    {
        var table = Table(0);
        for (int n = 1; n <= 2; n++)
        {
            table.Merge([Digest(n, heartbeat: 5)]);
            Die(table, n);
            _time.Advance(Forget);
            table.Tick();
        }

        Assert.Equal([Gc(2), Gc(1)], table.ForgottenDead().Select(f => f.GroupCacheAddr));

        // Member 1 was forgotten a death and a forget time before member 2. The node runs all along
        // (a gap longer than the forget time would be a flush of its own).
        for (var left = (Forget * MemberTable.ForgottenDeadKeptFactor) - Forget - Dead; left > TimeSpan.Zero; left -= Forget / 2)
        {
            Assert.Contains(Gc(1), table.ForgottenDead().Select(f => f.GroupCacheAddr));
            _time.Advance(left < Forget / 2 ? left : Forget / 2);
            table.Tick();
        }

        Assert.Equal([Gc(2)], table.ForgottenDead().Select(f => f.GroupCacheAddr));

        // No longer recognised: back, it is taken as a new member, with no flush.
        table.Merge([Digest(1, heartbeat: 90)]);
        Assert.Empty(table.TakeRejoined());
    }

    [Fact]
    public void TakeRejoined_SelfDeclaredDead_TheSameOrAnOlderClaimAfterTheSettleFlush_FlushesNoMore()
    {
        var table = Table(0, incarnation: 100);
        table.Merge([Digest(1)]);
        var settle = table.SuspicionTimeout * MemberTable.HeardOfSuspicionFactor;
        table.Merge([Digest(0, incarnation: 100, heartbeat: 3, state: "dead")]);
        Assert.Equal([Gc(0)], table.TakeRejoined());
        _time.Advance(settle);
        table.Tick();
        Assert.Equal([Gc(0)], table.TakeRejoined());

        // Replays, late answers, a peer that cannot take this node back and pings it with the
        // death it remembers: the settle flush covered that death.
        for (int i = 0; i < 3; i++)
        {
            table.Merge([Digest(0, incarnation: 100, heartbeat: 3, state: "dead")]);
            table.Merge([Digest(0, incarnation: 100, heartbeat: 2, state: "dead")]);
            _time.Advance(settle + Round);
            table.Tick();
            Assert.Empty(table.TakeRejoined());
        }

        // Declared dead again at the refuted version: a new death, flushed for now and once more.
        long refuted = table.SelfDigest().Heartbeat;
        table.Merge([Digest(0, incarnation: 100, heartbeat: refuted, state: "dead")]);
        Assert.Equal([Gc(0)], table.TakeRejoined());
        _time.Advance(settle);
        table.Tick();
        Assert.Equal([Gc(0)], table.TakeRejoined());
    }

    [Fact]
    public void MarkLeaving_MessageSaysLeft()
    {
        var table = Table(0);

        table.MarkLeaving();

        Assert.True(table.ToMessage().Members.Single().Left);
    }

    [Fact]
    public void ToMessage_ReportsAgesSinceLastSeen()
    {
        var table = Table(0);
        table.Merge([Digest(1)]);
        _time.Advance(TimeSpan.FromMilliseconds(1500));

        var message = table.ToMessage();

        Assert.Equal(Gc(0), message.From);
        Assert.Equal(1500, message.Members.Single(m => m.GroupCacheAddr == Gc(1)).AgeMs);
        Assert.Equal(0, message.Members.Single(m => m.GroupCacheAddr == Gc(0)).AgeMs);
    }

    [Fact]
    public void Gossip_NodesThatJoinedThroughDifferentPeers_ConvergeToOneRing()
    {
        // 0 and 1 know each other, 2 and 3 know each other; one exchange between 1 and 2 bridges them.
        var tables = Enumerable.Range(0, 4).Select(n => Table(n, incarnation: 100 + n)).ToArray();
        void Exchange(int a, int b)
        {
            tables[a].Tick();
            tables[b].Merge(tables[a].ToMessage().Members);
            tables[a].Merge(tables[b].ToMessage().Members);
        }

        Exchange(0, 1);
        Exchange(2, 3);
        Exchange(1, 2);
        Exchange(0, 1);
        Exchange(3, 2);

        var expected = Enumerable.Range(0, 4).Select(Gc).Order(StringComparer.Ordinal).ToArray();
        Assert.All(tables, t => Assert.Equal(expected, t.RingMembers()));
    }
}
