using Xunit.Abstractions;

namespace CacheApp.Tests.Cluster.Simulation;

/// <summary>Partitions over the simulator's fake network and clock: the real protocol on every node.</summary>
public sealed class PartitionHealTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromSeconds(30);

    [Fact]
    public void Partition_LongerThanTheForgetTime_BothHalvesMergeOnceTheNetworkHeals()
    {
        var cluster = new SimCluster(new SimSettings { ForgetAfter = ForgetAfter });
        cluster.StartFormed(6);
        cluster.RunUntil(TimeSpan.FromSeconds(5));
        var left = cluster.Nodes.Take(3).ToArray();
        var right = cluster.Nodes.Skip(3).ToArray();

        // Long enough for each half to declare the other dead and then forget it: each half still
        // has live members, so neither is alone and retries its initial peers.
        cluster.Partition(left);
        cluster.RunUntil(cluster.Elapsed + ForgetAfter + TimeSpan.FromSeconds(20));
        Assert.All(left, n => Assert.Equal(3, n.Table.Count));
        Assert.All(right, n => Assert.Equal(3, n.Table.Count));
        foreach (var node in cluster.Nodes)
        {
            node.Table.TakeRejoined(); // the flushes of the cut itself (each side declared the other dead)
        }

        cluster.Heal();
        string[] whole = [.. cluster.Nodes.Select(n => n.GroupCacheAddr).Order(StringComparer.Ordinal)];
        var healed = cluster.RunUntil(() => cluster.Nodes.All(n => n.Table.RingMembers().SequenceEqual(whole)), TimeSpan.FromSeconds(60));

        output.WriteLine($"one ring of 6 again {healed?.TotalSeconds:F1} s after the heal");
        Assert.NotNull(healed);

        Assert.All(cluster.Nodes, n => Assert.Equal(whole, n.Table.RingMembers()));

        // Both halves took the other back as the same processes: each node flushes what it kept,
        // for a member of the other half (not only for the death claims about itself).
        foreach (var node in cluster.Nodes)
        {
            var otherHalf = (left.Contains(node) ? right : left).Select(n => n.GroupCacheAddr);
            Assert.Contains(node.Table.TakeRejoined(), otherHalf.Contains);
        }
    }
}
