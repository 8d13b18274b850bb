using System.Globalization;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Partitions;

/// <summary>
/// Four nodes cut two from two for longer than MEMBER_FORGET_AFTER: each side declares the other
/// dead and then forgets it, while still having a live member of its own (so neither is alone and
/// retries its initial peers). The rings must still become one once the links pass again.
/// </summary>
/// <remarks>
/// End-to-end cover for real processes; the deterministic proof is the simulator's
/// <c>PartitionHealTests</c>. Before the fix this could pass too, by luck: a node whose first join
/// to an initial peer timed out while the cluster formed kept retrying that peer (every 2 s at
/// most, even among live members, until 2026-12-04), and after the heal that join brought the
/// sides together.
/// </remarks>
public sealed class LongPartitionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan SplitWithin = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RejoinWithin = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Partition_TwoFromTwoLongerThanTheForgetTime_OneRingAgainAfterTheHeal()
    {
        var env = new Dictionary<string, string>(Partition.NodeEnv)
        {
            ["MEMBER_FORGET_AFTER"] = ((long)ForgetAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms",
        };
        using var cluster = await ProxiedCluster.StartAsync(env, count: 4);
        ProxiedNode[] left = [cluster.Nodes[0], cluster.Nodes[1]];
        ProxiedNode[] right = [cluster.Nodes[2], cluster.Nodes[3]];
        foreach (var a in left)
        {
            foreach (var b in right)
            {
                cluster.Cut(a, b, LinkMode.Blackhole);
                cluster.Cut(b, a, LinkMode.Blackhole);
            }
        }

        await cluster.WaitRingsAsync(left, [.. left.Select(n => n.RingName)], SplitWithin);
        await cluster.WaitRingsAsync(right, [.. right.Select(n => n.RingName)], SplitWithin);

        // Forgotten: every node's table holds only its own side.
        bool forgotten = await TestHttp.EventuallyAsync(
            async () =>
            {
                foreach (var node in cluster.Nodes)
                {
                    if ((await node.Node.PeersAsync()).GetProperty("members").GetArrayLength() != 2)
                    {
                        return false;
                    }
                }

                return true;
            },
            ForgetAfter + SplitWithin,
            TimeSpan.FromMilliseconds(100));
        Assert.True(forgotten, $"the sides did not forget each other within {ForgetAfter + SplitWithin}:{Environment.NewLine}{cluster.Describe()}");

        cluster.Heal();
        var rejoinedAfter = await cluster.WaitRingsAsync(cluster.Nodes, cluster.FullRing, RejoinWithin);

        var flushes = new List<long>();
        foreach (var node in cluster.Nodes)
        {
            flushes.Add(await ProxiedCluster.FreshnessAsync(node, "rejoinFlushes"));
        }

        new Figures("partition-longer-than-forget", output)
            .Add("settings", env)
            .Add("oneRingAgainAfterHealMs", Math.Round(rejoinedAfter.TotalMilliseconds))
            .Add("rejoinFlushes", flushes)
            .Write();

        // Each side took the other back as the same processes: every node flushed what it kept.
        Assert.All(flushes, f => Assert.True(f >= 1));
        Assert.All(cluster.Nodes, n => Assert.False(n.Node.Process.HasExited, cluster.Describe()));
    }
}
