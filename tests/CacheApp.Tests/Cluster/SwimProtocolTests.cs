using CacheApp.Cluster;
using CacheApp.Tests.Cluster.Simulation;

namespace CacheApp.Tests.Cluster;

/// <summary>The protocol's steps, one node at a time, with a fake clock and no network.</summary>
public class SwimProtocolTests
{
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(1);
    private readonly SimTime _time = new();

    private static string Api(int n) => $"http://127.0.0.1:{9000 + (2 * n)}";

    private static string Gc(int n) => $"http://127.0.0.1:{9001 + (2 * n)}";

    private static string GcOf(string api) => Gc((int.Parse(api[(api.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture) - 9000) / 2);

    private static MemberDigest Alive(int n, long heartbeat = 0) => new(Api(n), Gc(n), 1, heartbeat, false, 0, "alive");

    private static MemberState StateOf(MemberTable table, int n) => table.View().Single(v => v.GroupCacheAddr == Gc(n)).State;

    private (SwimProtocol Protocol, MemberTable Table, MembershipStats Stats) Node(int members, int self = 0, IEnumerable<string>? seeds = null, int maxMembers = 4096)
    {
        var table = new MemberTable(Api(self), Gc(self), 1, _time, Round, TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(10), maxMembers);
        table.Merge([.. Enumerable.Range(1, members - 1).Select(n => Alive(n))]);
        var stats = new MembershipStats();
        return (new SwimProtocol(table, new SwimOptions { ProbeInterval = Round }, _time, new Random(1), seeds ?? [], stats), table, stats);
    }

    private List<Outgoing> Advance(SwimProtocol protocol, TimeSpan by)
    {
        var all = new List<Outgoing>();
        var end = _time.Now + by;
        while (_time.Now < end)
        {
            _time.Now += TimeSpan.FromMilliseconds(100);
            all.AddRange(protocol.Tick());
        }

        return all;
    }

    [Fact]
    public void Tick_EachRound_PingsExactlyOneMember()
    {
        var (protocol, _, stats) = Node(50);

        var first = protocol.Tick();
        var rest = Advance(protocol, (Round * 9) + TimeSpan.FromMilliseconds(50));

        Assert.Single(first, o => o.Verb == "ping");
        Assert.Equal(10, stats.Probes);
    }

    [Fact]
    public void Round_RunLateThenOnTime_DoesNotCutTheLateRoundsProbeShort()
    {
        var (protocol, table, stats) = Node(10);
        var first = Assert.Single(protocol.Tick(), o => o.Verb == "ping");
        protocol.Answered(first, new ClusterMessage(GcOf(first.ToApi), [], first.ToApi, Seq: first.Message.Seq), []);

        // The round due at 1 s runs at 1.95 s; the next tick, at 2.05 s, is when the round due at
        // 2 s would run. The late round's ping is 100 ms old and unanswered so far.
        _time.Now += TimeSpan.FromMilliseconds(1950);
        var late = Assert.Single(protocol.Tick(), o => o.Verb == "ping");
        _time.Now += TimeSpan.FromMilliseconds(100);
        var onTime = protocol.Tick();

        Assert.DoesNotContain(onTime, o => o.Verb == "ping");
        Assert.Equal(MemberState.Alive, table.View().Single(v => v.ApiAddr == late.ToApi).State);
        Assert.Equal(0, stats.Suspicions);

        // Answered, the next round starts at the next tick, still as the round due at 2 s.
        protocol.Answered(late, new ClusterMessage(GcOf(late.ToApi), [], late.ToApi, Seq: late.Message.Seq), []);
        _time.Now += TimeSpan.FromMilliseconds(100);
        Assert.Single(protocol.Tick(), o => o.Verb == "ping");
    }

    [Fact]
    public void Rounds_WithLateTicks_KeepOneRoundASlot_SoEveryOtherMemberIsProbedOnceInNMinusOneRounds()
    {
        const int Members = 8;
        var (protocol, _, _) = Node(Members);
        var jitter = new Random(3);
        var probed = new List<string>();
        while (probed.Count < 5 * (Members - 1))
        {
            // Ticks 100 ms apart, some of them up to 80 ms late; every ping answered at once.
            _time.Now += TimeSpan.FromMilliseconds(100 + (jitter.Next(4) == 0 ? jitter.Next(80) : 0));
            foreach (var ping in protocol.Tick().Where(o => o.Verb == "ping"))
            {
                probed.Add(ping.ToApi);
                protocol.Answered(ping, new ClusterMessage(GcOf(ping.ToApi), [], ping.ToApi, Seq: ping.Message.Seq), []);
            }
        }

        foreach (var pass in probed.Chunk(Members - 1))
        {
            Assert.Equal(Members - 1, pass.Distinct().Count());
        }
    }

    [Fact]
    public void Rounds_AfterTheWallClockSteppedBack_AreStillNumberedByTheWallClock()
    {
        // A step back is often NTP correcting a clock that ran ahead: from then on the wall clock
        // agrees with the other nodes', and so must the slot each round probes for, or this node's
        // probes would overlap theirs for good. Three rounds back, with seven others, moves every
        // target if the rounds were numbered by the (steady) clock that absorbed the step.
        const int Members = 8;
        var (protocol, table, _) = Node(Members);
        var probed = new List<(string Target, string Expected)>();
        for (int tick = 0; tick < 200; tick++)
        {
            if (tick == 60)
            {
                _time.Now -= Round * 3;
            }

            _time.Now += TimeSpan.FromMilliseconds(100);
            foreach (var ping in protocol.Tick().Where(o => o.Verb == "ping"))
            {
                // Ticks fall on the rounds' scheduled starts, so the wall clock now is the round's slot.
                var expected = table.ProbeTarget(_time.Now.UtcTicks / Round.Ticks)!.Value.ApiAddr;
                probed.Add((ping.ToApi, expected));
                protocol.Answered(ping, new ClusterMessage(GcOf(ping.ToApi), [], ping.ToApi, Seq: ping.Message.Seq), []);
            }
        }

        Assert.InRange(probed.Count, 18, 22);
        Assert.All(probed, p => Assert.Equal(p.Expected, p.Target));
    }

    // The wall clock stepped back an hour while a probe is under way: the node must go on probing,
    // and a member that answers nothing must be declared dead within seconds, not once the clock
    // caught up.
    [Fact]
    public void SwimProtocol_WallClockSteppedBack_KeepsProbingAndDeclaresTheSilentMemberDead()
    {
        var (protocol, table, _) = Node(2);
        Assert.Contains(protocol.Tick(), o => o.Verb == "ping");

        _time.Now -= TimeSpan.FromHours(1);
        int pings = 0;
        for (int i = 0; i < 100; i++) // 10 s in ticks of 100 ms; member 1 never answers
        {
            _time.Now += TimeSpan.FromMilliseconds(100);
            pings += protocol.Tick().Count(o => o.Verb == "ping");
        }

        Assert.True(pings >= 3, $"{pings} pings in 10 s after the step back");
        Assert.Equal(MemberState.Dead, StateOf(table, 1));
    }

    [Fact]
    public void Probe_Unanswered_AsksThreeOthersThenSuspectsAndGossipsTheSuspicion()
    {
        var (protocol, table, stats) = Node(10);
        var ping = Assert.Single(protocol.Tick(), o => o.Verb == "ping");
        string target = ping.ToApi;

        var afterTimeout = Advance(protocol, TimeSpan.FromMilliseconds(500));
        var indirect = afterTimeout.Where(o => o.Verb == "ping-req").ToArray();
        Assert.Equal(3, indirect.Length);
        Assert.All(indirect, o => Assert.Equal(target, o.Message.TargetApi));
        Assert.All(indirect, o => Assert.NotEqual(target, o.ToApi));
        Assert.Equal(3, stats.IndirectProbes);

        var later = Advance(protocol, TimeSpan.FromMilliseconds(500));
        var suspect = table.View().Single(v => v.ApiAddr == target);
        Assert.Equal(MemberState.Suspect, suspect.State);
        Assert.Equal(1, stats.Suspicions);
        // Gossiped at once, then to another member every third of a round.
        var gossip = later.Concat(Advance(protocol, TimeSpan.FromMilliseconds(600))).Where(o => o.Verb == "gossip").ToArray();
        Assert.InRange(gossip.Length, 2, 4);
        Assert.All(gossip, g => Assert.Contains(g.Message.Members, d => d.ApiAddr == target && d.State == "suspect"));
    }

    [Theory]
    [InlineData(true, MemberState.Suspect)]
    [InlineData(false, MemberState.Alive)]
    public void Probe_RefusedAtOnce_SuspectsAfterHalfARound_ElseAfterNineTenths(bool refused, MemberState afterSixTenths)
    {
        var (protocol, table, _) = Node(10);
        var ping = Assert.Single(protocol.Tick(), o => o.Verb == "ping");
        var more = new List<Outgoing>();

        protocol.Failed(ping, more, refused);
        Assert.Equal(3, more.Count(o => o.Verb == "ping-req"));
        Advance(protocol, TimeSpan.FromMilliseconds(600));

        Assert.Equal(afterSixTenths, table.View().Single(v => v.ApiAddr == ping.ToApi).State);
    }

    [Fact]
    public void Suspect_IsToldOfTheSuspicionEveryRoundUntilItRefutes()
    {
        var (protocol, table, _) = Node(10);
        string target = Assert.Single(protocol.Tick(), o => o.Verb == "ping").ToApi;
        bool TellsTarget(Outgoing o) => o.Verb == "ping" && o.ToApi == target && o.Message.Members.Any(d => d.ApiAddr == target && d.State == "suspect");

        // Suspected at 0.9 of the round and told at once; told again in each of the next rounds
        // (the suspicion lasts 2 s here), never more than once a round.
        var untilSuspected = Advance(protocol, TimeSpan.FromMilliseconds(950));
        Assert.Single(untilSuspected, TellsTarget);
        var suspicionRounds = Advance(protocol, Round * 1.5);
        Assert.Single(suspicionRounds, TellsTarget);

        var refutation = new MemberDigest(target, table.View().Single(v => v.ApiAddr == target).GroupCacheAddr, 1, 1, false, 0, "alive");
        protocol.Receive("gossip", new ClusterMessage(refutation.GroupCacheAddr, [refutation], target), []);
        Assert.DoesNotContain(Advance(protocol, Round * 3), TellsTarget);
        Assert.Equal(MemberState.Alive, table.View().Single(v => v.ApiAddr == target).State);
    }

    [Fact]
    public void Probe_AckedThroughARelay_IsNotSuspected()
    {
        var (protocol, table, stats) = Node(10);
        var ping = Assert.Single(protocol.Tick(), o => o.Verb == "ping");
        var indirect = Advance(protocol, TimeSpan.FromMilliseconds(500)).First(o => o.Verb == "ping-req");

        protocol.Receive("ack", new ClusterMessage(Gc(9), [], Api(9), indirect.Message.Seq, indirect.Message.Target), []);
        Advance(protocol, TimeSpan.FromMilliseconds(500));

        Assert.Equal(MemberState.Alive, table.View().Single(v => v.ApiAddr == ping.ToApi).State);
        Assert.Equal(0, stats.Suspicions);
    }

    // Member 1 stopped, and another node (groupcache address Gc(5)) now listens at its API address
    // (a port reused on the host, a pod's IP given to another pod). Its answers to the pings meant
    // for member 1 are its own, not member 1's: member 1 must still be found dead.
    [Fact]
    public void SwimProtocol_AnotherNodeAnswersAtADeadMembersApiAddress_TheMemberIsStillDeclaredDead()
    {
        var (protocol, table, _) = Node(2);
        var stranger = new MemberDigest(Api(1), Gc(5), 1, 0, false, 0, "alive");

        for (int i = 0; i < 100; i++) // 10 s in ticks of 100 ms
        {
            foreach (var request in protocol.Tick().Where(o => o.Verb == "ping" && o.ToApi == Api(1)))
            {
                var answer = new ClusterMessage(Gc(5), [stranger], Api(1), Seq: request.Message.Seq);
                protocol.Answered(request, answer, []);
            }

            _time.Now += TimeSpan.FromMilliseconds(100);
        }

        Assert.Equal(MemberState.Dead, StateOf(table, 1));
    }

    [Fact]
    public void PingReq_AsRelay_PingsTheTargetAndForwardsItsAckToTheOrigin()
    {
        var (relay, _, _) = Node(10);
        var outgoing = new List<Outgoing>();

        relay.Receive("ping-req", new ClusterMessage(Gc(1), [], Api(1), 42, Gc(2), Api(2)), outgoing);
        var ping = Assert.Single(outgoing);
        Assert.Equal(("ping", Api(2)), (ping.Verb, ping.ToApi));

        var more = new List<Outgoing>();
        relay.Answered(ping, new ClusterMessage(Gc(2), [Alive(2)], Api(2), ping.Message.Seq), more);

        var ack = Assert.Single(more);
        Assert.Equal(("ack", Api(1), 42L, Gc(2)), (ack.Verb, ack.ToApi, ack.Message.Seq!.Value, ack.Message.Target));
    }

    [Fact]
    public void Receive_SuspicionOfItself_RefutesInTheAnswer()
    {
        var (protocol, table, stats) = Node(3);
        var claim = new MemberDigest(Api(0), Gc(0), 1, 0, false, 0, "suspect");

        var answer = protocol.Receive("ping", new ClusterMessage(Gc(1), [claim], Api(1), 7), []);

        Assert.Equal(7, answer.Seq);
        var self = answer.Members.Single(d => d.GroupCacheAddr == Gc(0));
        Assert.Equal(("alive", 1L), (self.State, self.Heartbeat));
        Assert.Equal(1, stats.Refutations);
        Assert.Equal(1, table.SelfDigest().Heartbeat);
    }

    [Fact]
    public void Ack_ToAMemberThisNodeHoldsDead_CarriesTheDeath_SoTheMemberRefutesAndFlushesAtOnce()
    {
        var (protocol, table, _) = Node(3);
        Assert.NotNull(table.Suspect(Gc(1)));
        _time.Now += TimeSpan.FromSeconds(3);
        Assert.Contains(table.Tick(), d => d.GroupCacheAddr == Gc(1));

        // Member 1 was frozen (or cut off) past the dead-after time and does not know it. Its first
        // probe after it wakes goes here, with its row as it was.
        var (member, memberTable, _) = Node(3, self: 1);
        var ping = new Outgoing(Api(0), "ping", new ClusterMessage(Gc(1), [memberTable.SelfDigest()], Api(1), 5));

        var ack = protocol.Receive("ping", ping.Message, []);
        Assert.Contains(ack.Members, d => d.GroupCacheAddr == Gc(1) && d.State == "dead");

        member.Answered(ping, ack, []);
        Assert.Equal([Gc(1)], memberTable.TakeRejoined());
        Assert.Equal(1, memberTable.SelfDigest().Heartbeat);

        // Its next message carries the refutation: back on this node's ring.
        protocol.Receive("gossip", new ClusterMessage(Gc(1), [memberTable.SelfDigest()], Api(1)), []);
        Assert.Contains(Gc(1), table.RingMembers());
    }

    [Fact]
    public void Refutation_IsGossipedABoundedNumberOfTimes_ThenTheNodeFallsQuiet()
    {
        var (protocol, _, _) = Node(10);
        var claim = new MemberDigest(Api(0), Gc(0), 1, 0, false, 0, "suspect");
        protocol.Receive("gossip", new ClusterMessage(Gc(1), [claim], Api(1)), []);
        Assert.Equal(1, protocol.PendingUpdates);

        // Every ping answered, so that no probe fails and nothing else becomes news.
        int gossips = 0;
        for (int tick = 0; tick < 100; tick++)
        {
            _time.Now += TimeSpan.FromMilliseconds(100);
            foreach (var o in protocol.Tick())
            {
                gossips += o.Verb == "gossip" ? 1 : 0;
                if (o.Verb == "ping")
                {
                    protocol.Answered(o, new ClusterMessage(GcOf(o.ToApi), [], o.ToApi, o.Message.Seq), []);
                }
            }
        }

        // The refutation rides on every message (this node's own row) and is counted as sent each
        // time: after RetransmitMult × ceil(log10(N + 1)) = 8 sends it is no longer pending.
        Assert.Equal(0, protocol.PendingUpdates);
        Assert.InRange(gossips, 1, 8);
    }

    [Fact]
    public void Messages_CarryAtMostTheCapOfUpdates()
    {
        var (protocol, _, _) = Node(2);
        var news = Enumerable.Range(10, 200).Select(n => Alive(n)).ToArray();
        protocol.Receive("gossip", new ClusterMessage(Gc(1), news, Api(1)), []);

        var answer = protocol.Receive("gossip", new ClusterMessage(Gc(1), [], Api(1)), []);

        Assert.Equal(ClusterLimits.MaxUpdatesPerMessage, answer.Members.Count);
    }

    [Fact]
    public void Gossip_ManyGoneRowsForgottenBeforeTheyAreSent_PendingUpdatesStayWithinTheTablesSize()
    {
        const int maxMembers = 256;
        var (protocol, _, _) = Node(2, maxMembers: maxMembers);
        long almostForgotten = (long)TimeSpan.FromMinutes(10).TotalMilliseconds - 1000;

        // A peer (hostile, or passing on a stale table) sends 256 new members, each gone for almost
        // the forget time, every round: the rows are forgotten at the next round, their news is not.
        for (int round = 0; round < 20; round++)
        {
            var rows = Enumerable.Range(1000 + (round * 256), 256).Select(n => new MemberDigest(Api(n), Gc(n), 1, 0, false, almostForgotten, "dead")).ToArray();
            protocol.Receive("gossip", new ClusterMessage(Gc(1), rows, Api(1)), []);
            Advance(protocol, Round);

            Assert.InRange(protocol.PendingUpdates, 0, maxMembers);
        }
    }

    [Fact]
    public void Update_IsSentABoundedNumberOfTimes()
    {
        var (protocol, _, _) = Node(10);
        var first = protocol.Receive("gossip", new ClusterMessage(Gc(1), [Alive(50)], Api(1)), []);

        int carried = first.Members.Count(d => d.GroupCacheAddr == Gc(50));
        for (int i = 0; i < 100; i++)
        {
            var answer = protocol.Receive("ping", new ClusterMessage(Gc(1), [], Api(1), i), []);
            carried += answer.Members.Count(d => d.GroupCacheAddr == Gc(50));
        }

        // RetransmitMult (4) times ceil(log10(12)) = 8.
        Assert.Equal(8, carried);
    }

    [Fact]
    public void MemberForgottenWhileDead_IsStillPingedWithItsDeath_WhileOthersAreLive()
    {
        var (protocol, table, _) = Node(4);
        Assert.NotNull(table.Suspect(Gc(3)));
        _time.Now += TimeSpan.FromSeconds(3);
        Assert.Contains(table.Tick(), d => d.GroupCacheAddr == Gc(3));
        _time.Now += TimeSpan.FromMinutes(10);
        table.Tick();
        Assert.Null(table.DigestOf(Gc(3)));

        // A partition longer than the forget time: the other side is forgotten, this side is not
        // alone (its members answer). Every few rounds a ping goes to it anyway, saying what this
        // node last knew of it.
        var pings = new List<Outgoing>();
        for (int tick = 0; tick < 50; tick++)
        {
            _time.Now += TimeSpan.FromMilliseconds(100);
            foreach (var o in protocol.Tick().Where(o => o.Verb == "ping"))
            {
                if (o.ToApi == Api(3))
                {
                    pings.Add(o);
                }
                else
                {
                    protocol.Answered(o, new ClusterMessage(GcOf(o.ToApi), [], o.ToApi, o.Message.Seq), []);
                }
            }
        }

        Assert.Equal(2, table.LiveCount);
        var ping = Assert.Single(pings);
        var claim = Assert.Single(ping.Message.Members, d => d.GroupCacheAddr == Gc(3));
        Assert.Equal(("dead", 1L), (claim.State, claim.Incarnation));
    }

    [Fact]
    public void MemberForgottenWhileDead_IsStillPinged_WhenAPeerFloodsDeathsOfMembersNeverSeenAlive()
    {
        var (protocol, table, _) = Node(4);
        Assert.NotNull(table.Suspect(Gc(3)));
        _time.Now += TimeSpan.FromSeconds(3);
        Assert.Contains(table.Tick(), d => d.GroupCacheAddr == Gc(3));

        // Deaths of members this node never held alive, gone for just under the forget time: only
        // hearsay, which must not become addresses this node pings for hours.
        long almostForgotten = (long)TimeSpan.FromMinutes(10).TotalMilliseconds - 1;
        var rows = Enumerable.Range(1000, 256).Select(n => new MemberDigest(Api(n), Gc(n), 1, 0, false, almostForgotten, "dead")).ToArray();
        protocol.Receive("gossip", new ClusterMessage(Gc(1), rows, Api(1)), []);
        _time.Now += TimeSpan.FromMinutes(10);
        table.Tick();
        Assert.Null(table.DigestOf(Gc(3)));

        var pings = new List<Outgoing>();
        for (int tick = 0; tick < 200; tick++)
        {
            _time.Now += TimeSpan.FromMilliseconds(100);
            foreach (var o in protocol.Tick().Where(o => o.Verb == "ping"))
            {
                if (table.DigestOf(GcOf(o.ToApi)) is null)
                {
                    pings.Add(o);
                }
                else
                {
                    protocol.Answered(o, new ClusterMessage(GcOf(o.ToApi), [], o.ToApi, o.Message.Seq), []);
                }
            }
        }

        Assert.NotEmpty(pings);
        Assert.All(pings, p => Assert.Equal(Api(3), p.ToApi));
    }

    [Fact]
    public void Join_AnswersInPagesAndTheJoinerFetchesEveryPage()
    {
        var (seed, _, _) = Node(150);
        var (joiner, joinerTable, _) = Node(1, self: 500, seeds: [Api(0)]);

        var join = Assert.Single(joiner.Tick(), o => o.Verb == "join");
        var pages = 0;
        var request = join;
        while (request is not null)
        {
            var answer = seed.Receive("join", request.Message, []);
            Assert.True(answer.Members.Count <= ClusterLimits.JoinPageSize);
            pages++;
            var more = new List<Outgoing>();
            joiner.Answered(request, answer, more);
            request = more.SingleOrDefault(o => o.Verb == "join");
        }

        Assert.Equal(3, pages);
        Assert.Equal(151, joinerTable.Count);
    }

    [Fact]
    public void Join_ThenPullsTheWholeTableOfTwoOtherMembers_InTheNextRounds()
    {
        var (joiner, _, _) = Node(1, self: 500, seeds: [Api(0)]);
        var join = Assert.Single(joiner.Tick(), o => o.Verb == "join");
        joiner.Answered(join, new ClusterMessage(Gc(0), [.. Enumerable.Range(0, 5).Select(n => Alive(n))], Api(0), Page: 0, More: false), []);

        var pulls = Advance(joiner, Round * 5).Where(o => o.Verb == "join").ToArray();

        Assert.Equal(2, pulls.Length);
        Assert.All(pulls, p => Assert.Null(p.Message.Page));
        Assert.All(pulls, p => Assert.Single(p.Message.Members, d => d.GroupCacheAddr == Gc(500)));
    }

    [Fact]
    public void Join_ThenEveryMemberSuspect_TheCatchUpPullsWaitForALiveOne()
    {
        var (joiner, _, _) = Node(1, self: 500, seeds: [Api(0)]);
        var join = Assert.Single(joiner.Tick(), o => o.Verb == "join");
        MemberDigest Suspect(int n) => new(Api(n), Gc(n), 1, 0, false, 0, "suspect");
        joiner.Answered(join, new ClusterMessage(Gc(0), [Suspect(0), Suspect(1), Suspect(2)], Api(0), Page: 0, More: false), []);

        // Nobody is alive to pull from: the round goes on (it threw before) and pulls from nobody.
        var round = Advance(joiner, Round);
        Assert.DoesNotContain(round, o => o.Verb == "join" && o.ToApi != Api(0));

        // A member refutes: the pull it was owed follows in the next round. The member answers the
        // pings it got and gets (unanswered, this node's own probe of it would make it suspect again).
        var refuted = new MemberDigest(Api(1), Gc(1), 1, 1, false, 0, "alive");
        joiner.Receive("gossip", new ClusterMessage(Gc(1), [refuted]), []);
        void Answer(IEnumerable<Outgoing> sent)
        {
            foreach (var ping in sent.Where(o => o.Verb == "ping" && o.ToApi == Api(1)).ToArray())
            {
                joiner.Answered(ping, new ClusterMessage(Gc(1), [refuted], Api(1), Seq: ping.Message.Seq), []);
            }
        }

        Answer(round);
        var next = new List<Outgoing>();
        for (int tick = 0; tick < 10; tick++)
        {
            _time.Now += TimeSpan.FromMilliseconds(100);
            var sent = joiner.Tick();
            next.AddRange(sent);
            Answer(sent);
        }

        Assert.Contains(next, o => o.Verb == "join" && o.ToApi == Api(1) && o.Message.Page is null);
    }

    [Fact]
    public void PushPull_SendsOnePageEveryFewRounds_WhateverTheClusterSize()
    {
        var (protocol, _, _) = Node(500);

        var sent = Advance(protocol, Round * 50);

        var syncs = sent.Where(o => o.Verb == "sync").ToArray();
        Assert.Equal(10, syncs.Length);
        Assert.All(syncs, s => Assert.Equal(ClusterLimits.SyncPageSize, s.Message.Members.Count));
        Assert.Equal(Enumerable.Range(0, 10), syncs.Select(s => s.Message.Page!.Value));
    }
}
