using LoadRunner.Infrastructure;
using LoadRunner.Systems;

namespace LoadRunner.Scenarios;

/// <summary>
/// Every request a key the node has never seen, so every request loads through the source service.
/// Each (system, round) gets its own fresh node and its own slice of the source's fresh rows: a
/// warm-up slice, then the measured slice.
/// </summary>
public sealed class MissScenario : IScenario
{
    public string Name => "miss";

    /// <summary>Fresh rows the scenario needs in the source.</summary>
    public static long RowsNeeded(RunnerOptions options) =>
        (long)options.Rounds * options.Systems.Count * (KeySpace.MissWarmupKeys + options.MissKeysPerRun);

    public async Task RunAsync(BenchContext context)
    {
        long next = 0;
        for (int round = 1; round <= context.Options.Rounds; round++)
        {
            foreach (var system in context.InOrder(round))
            {
                long warmStart = next;
                long measureStart = warmStart + KeySpace.MissWarmupKeys;
                next = measureStart + context.Options.MissKeysPerRun;

                await using var cluster = await system.StartAsync("miss", [new NodeSpec(1L << 30)]);
                var node = cluster.Nodes[0];
                await context.Wrk.RunFreshAsync(node.DataPrefix, "f", warmStart, KeySpace.MissWarmupKeys, KeySpace.FreshWidth, context.Options.Warmup);
                var before = await system.StatsAsync(node);
                long loadsBefore = before.SourceLoads;
                var m = await context.MeasureAsync("miss", system.Name, round, [node.Process.Pid],
                    () => context.Wrk.RunFreshAsync(node.DataPrefix, "f", measureStart, context.Options.MissKeysPerRun, KeySpace.FreshWidth, context.Options.Duration),
                    sourcePid: context.Source.Pid);
                var stats = await system.StatsAsync(node);
                m.Extra["source_loads"] = stats.SourceLoads - loadsBefore;
                GcFigures.Add(m, [before], [stats]);
                m.Extra["rss_mb"] = ProcStatus.ResidentBytes(node.Process.Pid) / 1048576.0;
                context.Record(m);
                if (m.Exhausted)
                {
                    context.Note($"miss {system.Name} round {round}: all {context.Options.MissKeysPerRun} fresh keys used before {context.Options.Duration.TotalSeconds} s; the rate is over the shorter time (raise --miss-keys)");
                }
            }
        }
    }
}
