using CacheApp.Cluster;

namespace CacheApp.Tests.Cluster.Simulation;

/// <summary>Joins through INITIAL_PEERS over the simulator's fake network and clock: what a node sends once it is in.</summary>
public sealed class InitialPeerTests
{
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(1);

    [Fact]
    public void Chain_EachListingTheEarlierNodes_NoJoinsOnceEveryNodeHasJoined()
    {
        // The last node's initial peers are every other member, so any member it pulls from is one
        // of them: a catch-up pull counted as a join re-armed the pulls, every round, for good.
        var cluster = new SimCluster(new SimSettings());
        var nodes = new List<SimNode>();
        for (int i = 0; i < 6; i++)
        {
            nodes.Add(cluster.Start(nodes.Select(n => n.ApiAddr)));
            cluster.RunUntil(cluster.Elapsed + (Round * 2));
        }

        string[] whole = [.. nodes.Select(n => n.GroupCacheAddr).Order(StringComparer.Ordinal)];
        Assert.NotNull(cluster.RunUntil(() => nodes.All(n => n.Table.RingMembers().SequenceEqual(whole)), TimeSpan.FromSeconds(30)));

        // The catch-up pulls (two, in the rounds after a join) are over well before this.
        cluster.RunUntil(cluster.Elapsed + (Round * 5));
        var joins = nodes.ToDictionary(n => n, _ => 0);
        cluster.Sent += (from, request) =>
        {
            if (request.Verb == "join" && request.Message.Page is null or 0)
            {
                joins[from]++;
            }
        };
        cluster.RunUntil(cluster.Elapsed + (Round * 60));

        Assert.All(nodes, n => Assert.Equal(0, joins[n]));
    }

    [Fact]
    public void InitialPeerThatNeverAnswers_OnceJoinedThroughAnother_IsAskedOnlyAtTheRetryGonePace()
    {
        // Nothing listens there (the simulator's nodes are on 127.1.x.x): every join is refused.
        const string Nobody = "http://127.0.0.99:7000";
        var cluster = new SimCluster(new SimSettings());
        var first = cluster.Start([]);
        var node = cluster.Start([first.ApiAddr, Nobody]);
        Assert.NotNull(cluster.RunUntil(() => node.Table.LiveCount == 1 && first.Table.LiveCount == 1, TimeSpan.FromSeconds(10)));

        int joins = 0;
        cluster.Sent += (from, request) => joins += from == node && request.ToApi == Nobody && request.Verb == "join" ? 1 : 0;
        cluster.RunUntil(cluster.Elapsed + (Round * 60));

        // Before, on the fast retries' 2 s backoff for as long as the node ran: 22 here.
        // Now one every RetryGoneEvery (5) rounds: it may start later, or be another cluster.
        int rounds = 60;
        int every = new SwimOptions().RetryGoneEvery;
        Assert.InRange(joins, (rounds / every) - 1, (rounds / every) + 1);
    }

    [Fact]
    public void InitialPeerUnreachableWhenTheNodeJoined_IsFoundOnceItIsReachable()
    {
        // "other" runs alone and is cut off while "node" joins through "first": the join to "other"
        // fails, and neither side knows the other. Only the node's slow retries can bring them together.
        var cluster = new SimCluster(new SimSettings());
        var first = cluster.Start([]);
        var other = cluster.Start([]);
        cluster.Partition([other]);
        var node = cluster.Start([first.ApiAddr, other.ApiAddr]);
        cluster.RunUntil(cluster.Elapsed + (Round * 30));
        Assert.Equal(1, node.Table.LiveCount);
        Assert.Equal(0, other.Table.LiveCount);

        cluster.Heal();
        SimNode[] all = [first, other, node];
        string[] whole = [.. all.Select(n => n.GroupCacheAddr).Order(StringComparer.Ordinal)];
        Assert.NotNull(cluster.RunUntil(() => all.All(n => n.Table.RingMembers().SequenceEqual(whole)), Round * 15));
    }

    [Fact]
    public void InitialPeerThatNeverAnswered_ButIsAMemberOfTheTable_IsNotAskedToJoin()
    {
        // "other" is cut off just as "node" joins: its join to "other" is lost, but "first"'s table
        // names it, so it is reached as a member (probed, then pinged as dead), never joined again.
        var cluster = new SimCluster(new SimSettings());
        var first = cluster.Start([]);
        var other = cluster.Start([first.ApiAddr]);
        Assert.NotNull(cluster.RunUntil(() => first.Table.LiveCount == 1, TimeSpan.FromSeconds(10)));
        cluster.Partition([other]);
        var node = cluster.Start([first.ApiAddr, other.ApiAddr]);
        Assert.NotNull(cluster.RunUntil(() => node.Table.KnownApiAddrs().Contains(other.ApiAddr), TimeSpan.FromSeconds(10)));
        cluster.RunUntil(cluster.Elapsed + (Round * 5));

        int joins = 0;
        cluster.Sent += (from, request) => joins += from == node && request.ToApi == other.ApiAddr && request.Verb == "join" ? 1 : 0;
        cluster.RunUntil(cluster.Elapsed + (Round * 60));

        Assert.Equal(0, joins);
    }
}
