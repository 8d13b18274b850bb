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
}
