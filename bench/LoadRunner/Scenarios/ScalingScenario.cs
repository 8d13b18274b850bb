using System.Diagnostics;
using System.Globalization;
using LoadRunner.Infrastructure;
using LoadRunner.Reporting;
using LoadRunner.Systems;

namespace LoadRunner.Scenarios;

/// <summary>
/// One node at growing cache sizes (default 100k, 1M and 5M entries of 100-byte values under
/// 20-byte keys): memory per entry, GC pauses, and hit and miss latency at each size, ours beside Go.
/// Every node loads from a stub source that computes each record (bench/KestrelCeiling --mode source),
/// so filling millions of entries costs the node's own miss path only, not a database.
/// </summary>
public sealed class ScalingScenario : IScenario
{
    /// <summary>"scaling-key-" and 8 digits: 20 bytes, the issue's "keys of about 20 bytes".</summary>
    public const string KeyPrefix = "scaling-key-";

    public const int KeyWidth = 8;

    /// <summary>Keys the hit measurement draws from, sampled uniformly over the cached ones (wrk keeps them in memory).</summary>
    public const int HitSample = 100_000;

    private const string WarmPrefix = "scaling-warm-";
    private const int WarmKeys = 20_000;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    public string Name => "scaling";

    public static int KeyLength => KeyPrefix.Length + KeyWidth;

    /// <summary>"100k", "1M", "2.5M": the size as the tables and the chart name it.</summary>
    public static string Label(long entries) => entries switch
    {
        >= 1_000_000 => (entries / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1_000 => (entries / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        _ => entries.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary><paramref name="count"/> distinct key indexes from 0..<paramref name="entries"/>-1, uniformly at random (all when fewer).</summary>
    public static long[] SampleIndexes(long entries, int count, int seed)
    {
        if (entries <= count)
        {
            return [.. Enumerable.Range(0, (int)entries).Select(i => (long)i)];
        }

        var random = new Random(seed);
        var picked = new HashSet<long>();
        while (picked.Count < count)
        {
            picked.Add(random.NextInt64(entries));
        }

        return [.. picked];
    }

    public static string Key(long i) => KeyPrefix + i.ToString("D" + KeyWidth.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public async Task RunAsync(BenchContext context)
    {
        var stub = await CeilingServer.StartStubSourceAsync(context.Paths, context.RunDir);
        try
        {
            foreach (long entries in context.Options.ScalingSizes)
            {
                // One round per size: each fills a node with millions of entries, the slowest step.
                foreach (var system in context.InOrder(1))
                {
                    await RunOneAsync(context, system.WithSource(stub.ApiUrl), entries, stub.Process.Pid);
                }
            }
        }
        finally
        {
            await stub.Process.DisposeAsync();
        }
    }

    private static async Task RunOneAsync(BenchContext context, ICacheSystem system, long entries, int stubPid)
    {
        string label = Label(entries);
        // Room for every entry (and the miss measurement's) without an eviction, on both systems.
        long budget = Math.Max(4L << 30, entries * 1024);
        await using var cluster = await system.StartAsync($"scaling-{label}", [new NodeSpec(budget)]);
        var node = cluster.Nodes[0];
        int pid = node.Process.Pid;
        var goTrace = system is GoSystem ? GoGcTrace.Attach(node.Process) : null;

        // The request path runs before "before", so that its buffers and pools are in both figures.
        await context.Wrk.RunFreshAsync(node.DataPrefix, WarmPrefix, 0, WarmKeys, KeyWidth, TimeSpan.FromSeconds(30));
        await Task.Delay(Settle);
        double before = ProcStatus.ResidentBytes(pid);

        context.Progress($"  scaling {system.Name}: caching {entries:N0} entries of {KeySpace.FreshValueBytes} bytes...");
        var fillClock = Stopwatch.StartNew();
        var fill = await context.Wrk.RunFreshAsync(node.DataPrefix, KeyPrefix, 0, entries, KeyWidth, TimeSpan.FromMinutes(30));
        fillClock.Stop();
        await Task.Delay(Settle);
        double after = ProcStatus.ResidentBytes(pid);
        var filled = await system.StatsAsync(node);
        if (fill.Errors > 0 || filled.MainItems < entries)
        {
            context.Note($"scaling {system.Name} {label}: {filled.MainItems:N0} entries cached after filling {entries:N0} ({fill.Errors} errors)");
        }

        // Hits: uniform over a sample of the cached keys.
        string hitKeys = context.WriteKeyFile($"scaling-hit-keys-{system.Name}-{label}.txt",
            SampleIndexes(entries, HitSample, seed: 17).Select(Key));
        await context.Wrk.RunKeysAsync(node.DataPrefix, "uniform", hitKeys, context.Options.Warmup);
        var hitBefore = await system.StatsAsync(node);
        long hitStart = Stopwatch.GetTimestamp();
        var hit = await context.MeasureAsync("scaling-hit", system.Name, 1, [pid],
            () => context.Wrk.RunKeysAsync(node.DataPrefix, "uniform", hitKeys, context.Options.Duration));
        long hitEnd = Stopwatch.GetTimestamp();
        var hitAfter = await system.StatsAsync(node);
        hit.Extra["entries"] = entries;
        hit.Extra["fill_s"] = fillClock.Elapsed.TotalSeconds;
        hit.Extra["fill_rate"] = fill.RequestsPerSecond;
        hit.Extra["cached_items"] = filled.MainItems;
        hit.Extra["rss_before_mb"] = before / 1048576.0;
        hit.Extra["rss_after_mb"] = after / 1048576.0;
        hit.Extra["rss_bytes_per_entry"] = (after - before) / entries;
        hit.Extra["bytes_per_entry_overhead"] = ((after - before) / entries) - KeySpace.FreshValueBytes - KeyLength;
        AddGc(hit, context.Options.Duration, hitBefore, hitAfter, goTrace, hitStart, hitEnd);
        context.Record(hit);

        // Misses: keys past the cached ones, each loaded from the stub source once (and then cached,
        // so the cache grows by what this measurement loads).
        var missBefore = await system.StatsAsync(node);
        long missStart = Stopwatch.GetTimestamp();
        var miss = await context.MeasureAsync("scaling-miss", system.Name, 1, [pid],
            () => context.Wrk.RunFreshAsync(node.DataPrefix, KeyPrefix, entries, context.Options.MissKeysPerRun, KeyWidth, context.Options.Duration),
            sourcePid: stubPid);
        long missEnd = Stopwatch.GetTimestamp();
        var missAfter = await system.StatsAsync(node);
        miss.Extra["entries"] = entries;
        miss.Extra["source_loads"] = missAfter.SourceLoads - missBefore.SourceLoads;
        AddGc(miss, context.Options.Duration, missBefore, missAfter, goTrace, missStart, missEnd);
        context.Record(miss);
        if (miss.Exhausted)
        {
            context.Note($"scaling {system.Name} {label}: all {context.Options.MissKeysPerRun} miss keys used before {context.Options.Duration.TotalSeconds} s (raise --miss-keys)");
        }
    }

    /// <summary>
    /// GC pauses during one measurement: total (scaled to 10 s) and longest. Ours: the status's total
    /// and its longest pause of the last ten seconds (read right after the measurement); Go: its gctrace lines.
    /// </summary>
    private static void AddGc(Measurement m, TimeSpan duration, NodeStats before, NodeStats after, GoGcTrace? goTrace, long start, long end)
    {
        double seconds = m.Wrk is { DurationMicros: > 0 } wrk ? wrk.DurationMicros / 1e6 : duration.TotalSeconds;
        if (goTrace is not null)
        {
            var (total, max, count) = goTrace.Between(start, end);
            m.Extra["gc_pause_total_ms_per_10s"] = total * 10 / seconds;
            m.Extra["gc_pause_max_ms"] = max;
            m.Extra["gc_collections"] = count;
            return;
        }

        if (!double.IsNaN(after.GcPauseMs) && !double.IsNaN(before.GcPauseMs))
        {
            m.Extra["gc_pause_total_ms_per_10s"] = (after.GcPauseMs - before.GcPauseMs) * 10 / seconds;
            m.Extra["gc_collections"] = after.GcCollections - before.GcCollections;
            m.Extra["gc_gen1_collections"] = after.OlderCollections.Gen1 - before.OlderCollections.Gen1;
            m.Extra["gc_gen2_collections"] = after.OlderCollections.Gen2 - before.OlderCollections.Gen2;
            if (m.Requests > 0)
            {
                // What each request leaves for the collector: the lever on gen0 collections.
                m.Extra["alloc_bytes_per_req"] = (double)(after.AllocatedBytes - before.AllocatedBytes) / m.Requests;
            }
        }

        if (!double.IsNaN(after.GcPauseMaxLast10sMs))
        {
            m.Extra["gc_pause_max_ms"] = after.GcPauseMaxLast10sMs;
            m.Extra["gc_pause_max_gen"] = after.GcPauseMaxLast10sGeneration;
        }
    }
}
