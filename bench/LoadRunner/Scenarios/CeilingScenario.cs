using LoadRunner.Systems;

namespace LoadRunner.Scenarios;

/// <summary>The bare-Kestrel ceiling, measured in every round with the hit scenario's key selection.</summary>
public sealed class CeilingScenario : IScenario
{
    public string Name => "ceiling";

    public async Task RunAsync(BenchContext context)
    {
        string keys = context.WriteKeyFile("hit-keys.txt", Enumerable.Range(0, KeySpace.HitKeys).Select(KeySpace.Hit));
        for (int round = 1; round <= context.Options.Rounds; round++)
        {
            var node = await CeilingServer.StartAsync(context.Paths, context.RunDir);
            await using (node.Process)
            {
                await context.Wrk.RunKeysAsync(node.DataPrefix, "uniform", keys, context.Options.Warmup);
                var m = await context.MeasureAsync("ceiling", "kestrel", round, [node.Process.Pid],
                    () => context.Wrk.RunKeysAsync(node.DataPrefix, "uniform", keys, context.Options.Duration));
                m.Extra["startup_ms"] = node.Startup.TotalMilliseconds;
                context.Record(m);
            }
        }
    }
}
