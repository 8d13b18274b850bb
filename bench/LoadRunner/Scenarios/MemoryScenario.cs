using LoadRunner.Infrastructure;
using LoadRunner.Reporting;
using LoadRunner.Systems;

namespace LoadRunner.Scenarios;

/// <summary>
/// Resident memory after caching N values of 100 bytes (default one million), and the overhead per
/// entry: (RSS after - RSS before) / N - 100 - key length.
/// </summary>
public sealed class MemoryScenario : IScenario
{
    private const int WarmKeys = 2_000;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    public string Name => "memory";

    public async Task RunAsync(BenchContext context)
    {
        int n = context.Options.MemoryEntries;
        int keyLength = KeySpace.Fresh(0).Length;
        var warmKeys = Enumerable.Range(0, WarmKeys).Select(KeySpace.Hit).ToArray();
        string warmFile = context.WriteKeyFile("memory-warm-keys.txt", warmKeys);

        // One round: the figure is a size, not a rate, and loading a million keys is the slowest step.
        foreach (var system in context.InOrder(1))
        {
            await using var cluster = await system.StartAsync("memory", [new NodeSpec(4L << 30)]);
            var node = cluster.Nodes[0];
            int pid = node.Process.Pid;
            double startRss = ProcStatus.ResidentBytes(pid);

            // Run the request path before measuring "before", so JIT, pools and buffers are in both figures.
            await Http.GetEachAsync([.. warmKeys.Select(node.DataUrl)], 16);
            await context.Wrk.RunKeysAsync(node.DataPrefix, "uniform", warmFile, TimeSpan.FromSeconds(2));
            await Task.Delay(Settle);
            double before = ProcStatus.ResidentBytes(pid);

            context.Progress($"  memory {system.Name}: loading {n:N0} values of {KeySpace.FreshValueBytes} bytes...");
            var wrk = await context.Wrk.RunFreshAsync(node.DataPrefix, "f", 0, n, KeySpace.FreshWidth, TimeSpan.FromSeconds(900));
            await Task.Delay(Settle);
            double after = ProcStatus.ResidentBytes(pid);
            var stats = await system.StatsAsync(node);

            var m = new Measurement("memory", system.Name, 1) { Requests = wrk.Requests, Errors = wrk.Errors };
            m.Extra["entries"] = n;
            m.Extra["cached_items"] = stats.MainItems;
            m.Extra["rss_start_mb"] = startRss / 1048576.0;
            m.Extra["rss_before_mb"] = before / 1048576.0;
            m.Extra["rss_after_mb"] = after / 1048576.0;
            m.Extra["rss_peak_mb"] = ProcStatus.PeakResidentBytes(pid) / 1048576.0;
            m.Extra["bytes_per_entry_overhead"] = ((after - before) / n) - KeySpace.FreshValueBytes - keyLength;
            m.Extra["load_rate"] = wrk.RequestsPerSecond;
            m.Extra["startup_ms"] = node.Startup.TotalMilliseconds;
            context.Record(m);
            if (stats.MainItems < n)
            {
                context.Note($"memory {system.Name}: only {stats.MainItems} of {n} entries cached (evictions?)");
            }
        }
    }
}
