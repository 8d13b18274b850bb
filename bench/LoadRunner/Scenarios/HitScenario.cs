using LoadRunner.Infrastructure;
using LoadRunner.Systems;

namespace LoadRunner.Scenarios;

/// <summary>One node, 10,000 keys all cached; uniform, then Zipf-skewed selection.</summary>
public sealed class HitScenario : IScenario
{
    public string Name => "hit";

    public async Task RunAsync(BenchContext context)
    {
        var keyList = Enumerable.Range(0, KeySpace.HitKeys).Select(KeySpace.Hit).ToArray();
        string keys = context.WriteKeyFile("hit-keys.txt", keyList);
        for (int round = 1; round <= context.Options.Rounds; round++)
        {
            foreach (var system in context.InOrder(round))
            {
                await using var cluster = await system.StartAsync("hit", [new NodeSpec(64L << 20)]);
                var node = cluster.Nodes[0];
                double startRss = ProcStatus.ResidentBytes(node.Process.Pid) / 1048576.0;
                int failed = await Http.GetEachAsync([.. keyList.Select(node.DataUrl)], 32);
                if (failed != 0)
                {
                    throw new InvalidOperationException($"{system.Name}: {failed} of {keyList.Length} warm-up requests failed; see {node.Process.Name}'s log");
                }

                await context.Wrk.RunKeysAsync(node.DataPrefix, "uniform", keys, context.Options.Warmup);
                foreach (string mode in new[] { "uniform", "zipf" })
                {
                    var before = await system.StatsAsync(node);
                    var m = await context.MeasureAsync($"hit-{mode}", system.Name, round, [node.Process.Pid],
                        () => context.Wrk.RunKeysAsync(node.DataPrefix, mode, keys, context.Options.Duration));
                    var stats = await system.StatsAsync(node);
                    m.Extra["source_loads"] = stats.SourceLoads;
                    GcFigures.Add(m, [before], [stats]);
                    m.Extra["startup_ms"] = node.Startup.TotalMilliseconds;
                    m.Extra["rss_start_mb"] = startRss;
                    m.Extra["rss_mb"] = ProcStatus.ResidentBytes(node.Process.Pid) / 1048576.0;
                    context.Record(m);
                    if (stats.SourceLoads != KeySpace.HitKeys)
                    {
                        context.Note($"hit {system.Name} round {round}: {stats.SourceLoads} source loads, expected {KeySpace.HitKeys} (something was evicted or reloaded)");
                    }
                }
            }
        }
    }
}
