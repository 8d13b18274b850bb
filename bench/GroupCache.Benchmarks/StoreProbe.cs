using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using GroupCache.Lru;

namespace GroupCache.Benchmarks;

/// <summary>
/// Measurements that need millions of entries, which BenchmarkDotNet's repeated set-ups make
/// impractical: the longest lock hold of one eviction when every entry was read, the GC pauses of
/// a miss workload, and the heap bytes per cached entry. Run:
/// <c>dotnet run -c Release --project bench/GroupCache.Benchmarks -- store-probe 1000000 5000000</c>
/// </summary>
internal static class StoreProbe
{
    private const int ValueBytes = 100;

    public static void Run(IEnumerable<string> counts)
    {
        Console.WriteLine($"{DateTime.UtcNow:u} .NET {Environment.Version}, server GC {GCSettings.IsServerGC}, concurrent {GCSettings.LatencyMode}, {Environment.ProcessorCount} cores");
        bool control = false;
        foreach (string text in counts)
        {
            if (text == "hits")
            {
                HitPath();
                continue;
            }

            // "control" first: the same misses through a group that caches nothing, to show the
            // pauses this machine gives a workload whose live set does not grow.
            if (text == "control")
            {
                control = true;
                continue;
            }

            int n = int.Parse(text, CultureInfo.InvariantCulture);
            if (!control)
            {
                EvictionLockHold(n);
            }

            MissWorkload(n, control);
        }
    }

    /// <summary>
    /// The hit path as <c>GroupBenchmarks</c> runs it, timed in processor time as well as wall time:
    /// on a machine shared with other work the processor time of this thread is the steadier figure.
    /// </summary>
    private static void HitPath()
    {
        var group = new Group("hits", 64 << 20, new GetterFunc((key, _) => ValueTask.FromResult(ByteView.FromString("value-of-" + key))));
        string[] keys = [.. Enumerable.Range(0, 1024).Select(i => "key-" + i.ToString(CultureInfo.InvariantCulture))];
        foreach (string key in keys)
        {
            group.GetAsync(key).AsTask().GetAwaiter().GetResult();
        }

        const int Reads = 20_000_000;
        for (int round = 0; round < 4; round++)
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            long sum = 0;
            for (int i = 0; i < Reads; i++)
            {
                sum += group.GetAsync(keys[i & 1023]).Result.Length;
            }

            double wall = watch.Elapsed.TotalNanoseconds / Reads;
            double processor = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / Reads;
            long bytes = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Console.WriteLine($"hit round {round}: {wall:F1} ns wall, {processor:F1} ns processor per hit, {bytes} B allocated in {Reads:N0} hits ({sum})");
        }
    }

    /// <summary>~20-byte keys, as the issue's workload.</summary>
    private static string KeyOf(int i) => "key-" + i.ToString("D16", CultureInfo.InvariantCulture);

    /// <summary>Every entry read, then 1,000 evictions timed one by one (single-threaded, so a call's time is its lock hold).</summary>
    private static void EvictionLockHold(int n)
    {
        var warm = new ConcurrentLru();
        for (int i = 0; i < 10_000; i++)
        {
            warm.Add(KeyOf(i), new ByteView(new byte[ValueBytes]));
            warm.TryGet(KeyOf(i), out _, out _);
            warm.RemoveOldest();
        }

        var cache = new ConcurrentLru();
        var value = new ByteView(new byte[ValueBytes]);
        var addWatch = new Stopwatch();
        double longestAdd = 0;
        double longestAddWithoutGc = 0; // no collection ran during it: the add's own work plus any stall of the machine
        int addsOverOneMs = 0;
        for (int i = 0; i < n; i++)
        {
            string key = KeyOf(i);
            int collections = GC.CollectionCount(0); // counts collections of every generation
            addWatch.Restart();
            cache.Add(key, value);
            double ms = addWatch.Elapsed.TotalMilliseconds;
            longestAdd = Math.Max(longestAdd, ms);
            if (GC.CollectionCount(0) == collections)
            {
                longestAddWithoutGc = Math.Max(longestAddWithoutGc, ms);
            }

            if (ms > 1)
            {
                addsOverOneMs++;
            }
        }

        Console.WriteLine(
            $"fill n={n:N0}: longest add {longestAdd:F1} ms, longest add during which no GC ran {longestAddWithoutGc:F1} ms, " +
            $"{addsOverOneMs:N0} adds over 1 ms; index work of the most expensive add: {cache.MostCopiedByOneAdd:N0} copied, {cache.MostRelinkedByOneAdd:N0} relinked");

        for (int i = 0; i < n; i++)
        {
            cache.TryGet(KeyOf(i), out _, out _);
        }

        GC.Collect();
        double first = 0;
        double longest = 0;
        var watch = new Stopwatch();
        for (int e = 0; e < 1000; e++)
        {
            watch.Restart();
            cache.RemoveOldest();
            double ms = watch.Elapsed.TotalMilliseconds;
            if (e == 0)
            {
                first = ms;
            }

            longest = Math.Max(longest, ms);
        }

        Console.WriteLine($"evict n={n:N0}: first eviction {first:F3} ms, longest of 1,000 {longest:F3} ms; longest add while filling {longestAdd:F1} ms");
    }

    /// <summary>
    /// A group that fills to <paramref name="n"/> entries through misses, then keeps missing (every
    /// miss evicts) for n/2 more; each miss leaves ~4 KB of short-lived garbage, as a request would.
    /// Records every collection's pause.
    /// </summary>
    private static void MissWorkload(int n, bool control)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long pauseBefore = (long)GC.GetTotalPauseDuration().TotalMicroseconds;
        int gcBefore = GC.CollectionCount(0);

        long entryBytes = 20 + ValueBytes;
        var group = new Group("probe-" + n, control ? 0 : entryBytes * n, new GetterFunc((_, _) =>
            ValueTask.FromResult(new ByteView(new byte[ValueBytes]))));

        var pauses = new List<double>();
        var longestByGeneration = new double[3];
        int seenGcs = GC.CollectionCount(0);
        long heapFull = 0;
        var watch = Stopwatch.StartNew();
        int total = n + (n / 2);
        for (int i = 0; i < total; i++)
        {
            _ = new byte[4096]; // request garbage
            group.GetAsync(KeyOf(i)).AsTask().GetAwaiter().GetResult();
            int gcs = GC.CollectionCount(0);
            if (gcs != seenGcs)
            {
                seenGcs = gcs;
                var info = GC.GetGCMemoryInfo(GCKind.Any);
                double pause = info.PauseDurations[0].TotalMilliseconds + info.PauseDurations[1].TotalMilliseconds;
                pauses.Add(pause);
                longestByGeneration[info.Generation] = Math.Max(longestByGeneration[info.Generation], pause);
            }

            if (i == n - 1)
            {
                heapFull = GC.GetTotalMemory(forceFullCollection: true);
                seenGcs = GC.CollectionCount(0);
            }
        }

        watch.Stop();
        var stats = group.GetCacheStats(CacheType.Main);
        double perEntry = (double)(heapFull - heapBefore) / n;
        pauses.Sort();
        double p99 = pauses.Count == 0 ? 0 : pauses[(int)(pauses.Count * 0.99)];
        Console.WriteLine(
            $"miss{(control ? " (control, nothing cached)" : string.Empty)} n={n:N0}: {total:N0} misses in {watch.Elapsed.TotalSeconds:F1} s; {pauses.Count} GCs (gen0 count {GC.CollectionCount(0) - gcBefore}), " +
            $"longest pause {(pauses.Count == 0 ? 0 : pauses[^1]):F1} ms, p99 {p99:F1} ms, total pause {((long)GC.GetTotalPauseDuration().TotalMicroseconds - pauseBefore) / 1000.0:F0} ms; " +
            $"longest by generation {longestByGeneration[0]:F1}/{longestByGeneration[1]:F1}/{longestByGeneration[2]:F1} ms; " +
            $"heap at n entries {perEntry:F0} B/entry (overhead over key+value {perEntry - entryBytes:F0} B); items {stats.Items:N0}, evictions {stats.Evictions:N0}");
        GC.KeepAlive(group);
    }
}
