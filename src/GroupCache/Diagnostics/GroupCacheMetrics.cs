using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace GroupCache.Diagnostics;

/// <summary>
/// The <c>GroupCache</c> meter's instruments, named as groupcache-go's OpenTelemetry instrumentation
/// names them. The counters are observed, not incremented: each callback reads the counters the
/// groups keep anyway (<see cref="GroupStats"/>, <see cref="CacheStats"/>), so a cache hit does exactly
/// what it did before there were metrics. Only the two histograms are recorded, on the load path,
/// and only while something listens. Tags are the group's name and the cache's type; never a key.
/// </summary>
public sealed class GroupCacheMetrics
{
    /// <summary>The meter's name, to hand to OpenTelemetry (<c>AddMeter("GroupCache")</c>).</summary>
    public const string MeterName = "GroupCache";

    private static readonly ConditionalWeakTable<Meter, GroupCacheMetrics> ByMeter = new();

    // From half a millisecond (a peer on the same rack) to ten seconds (a source at its timeout);
    // exporters' default buckets are for milliseconds.
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };
    private static readonly Lazy<GroupCacheMetrics> SharedInstance = new(() => new GroupCacheMetrics(new Meter(MeterName)));

    // The groups reported here, held weakly: a group nobody uses any more leaves the metrics with it.
    private readonly ConditionalWeakTable<Group, object?> _groups = new();

    private GroupCacheMetrics(Meter meter)
    {
        Meter = meter;
        GroupCounter(meter, "groupcache.group.gets", "{request}", "Every get request, including those from peers.", s => s.Gets);
        GroupCounter(meter, "groupcache.group.cache_hits", "{request}", "Gets answered from the main or hot cache.", s => s.CacheHits);
        GroupCounter(meter, "groupcache.group.peer.loads", "{request}", "Loads from the owner peer that it answered (a value or not found).", s => s.PeerLoads);
        GroupCounter(meter, "groupcache.group.peer.errors", "{request}", "Loads from the owner peer that failed (the key was then loaded locally).", s => s.PeerErrors);
        GroupCounter(meter, "groupcache.group.loads", "{request}", "Gets that missed the cache.", s => s.Loads);
        GroupCounter(meter, "groupcache.group.loads.deduped", "{request}", "Loads left after singleflight: each is one fetch from a peer or the getter.", s => s.LoadsDeduped);
        GroupCounter(meter, "groupcache.group.local.loads", "{request}", "Successful loads through the getter.", s => s.LocalLoads);
        GroupCounter(meter, "groupcache.group.local.load_errors", "{request}", "Failed loads through the getter (not found included).", s => s.LocalLoadErrs);
        GroupCounter(meter, "groupcache.group.server_requests", "{request}", "Gets that came from peers over the network.", s => s.ServerRequests);

        meter.CreateObservableGauge("groupcache.cache.bytes", () => CacheMeasurements(c => c.Bytes), "By", "Bytes held: keys' UTF-8 length plus values' length.");
        meter.CreateObservableGauge("groupcache.cache.items", () => CacheMeasurements(c => c.Items), "{item}", "Entries held.");
        meter.CreateObservableCounter("groupcache.cache.gets", () => CacheMeasurements(c => c.Gets), "{request}", "Lookups in this cache.");
        meter.CreateObservableCounter("groupcache.cache.hits", () => CacheMeasurements(c => c.Hits), "{request}", "Lookups this cache answered.");
        meter.CreateObservableCounter("groupcache.cache.evictions", () => CacheMeasurements(c => c.Evictions), "{item}", "Entries evicted to keep the byte budget.");

        LoadDuration = meter.CreateHistogram("groupcache.load.duration", "s", "Loads through the getter, by outcome (ok, not_found, error).", tags: null, advice: SecondsBuckets);
        PeerDuration = meter.CreateHistogram("groupcache.peer.duration", "s", "Fetches from the owner peer, by outcome (ok, not_found, error).", tags: null, advice: SecondsBuckets);
    }

    /// <summary>The metrics of the process-wide <c>GroupCache</c> meter, for groups outside a host.</summary>
    public static GroupCacheMetrics Shared => SharedInstance.Value;

    /// <summary>The meter the instruments belong to.</summary>
    public Meter Meter { get; }

    internal Histogram<double> LoadDuration { get; }

    internal Histogram<double> PeerDuration { get; }

    /// <summary>
    /// The metrics of <paramref name="meterFactory"/>'s <c>GroupCache</c> meter (one per factory, as the
    /// factory hands out one meter per name); <see cref="Shared"/> when there is no factory.
    /// </summary>
    public static GroupCacheMetrics For(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            return Shared;
        }

        var meter = meterFactory.Create(new MeterOptions(MeterName));
        return ByMeter.GetValue(meter, m => new GroupCacheMetrics(m));
    }

    internal void Attach(Group group) => _groups.AddOrUpdate(group, null);

    internal void Detach(Group group) => _groups.Remove(group);

    /// <summary>Records one load's duration when something listens; <paramref name="started"/> is 0 when nothing did at its start.</summary>
    internal static void Record(Histogram<double> histogram, long started, string group, string outcome)
    {
        if (started != 0 && histogram.Enabled)
        {
            histogram.Record(
                Stopwatch.GetElapsedTime(started).TotalSeconds,
                new KeyValuePair<string, object?>("group", group),
                new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    private void GroupCounter(Meter meter, string name, string unit, string description, Func<GroupStats, long> read) =>
        meter.CreateObservableCounter(name, () => GroupMeasurements(read), unit, description);

    private List<Measurement<long>> GroupMeasurements(Func<GroupStats, long> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (group, _) in _groups)
        {
            measurements.Add(new Measurement<long>(read(group.Stats), new KeyValuePair<string, object?>("group", group.Name)));
        }

        return measurements;
    }

    private List<Measurement<long>> CacheMeasurements(Func<CacheStats, long> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var (group, _) in _groups)
        {
            measurements.Add(CacheMeasurement(group, CacheType.Main, "main", read));
            measurements.Add(CacheMeasurement(group, CacheType.Hot, "hot", read));
        }

        return measurements;
    }

    private static Measurement<long> CacheMeasurement(Group group, CacheType type, string typeName, Func<CacheStats, long> read) =>
        new(read(group.GetCacheStats(type)), new KeyValuePair<string, object?>("group", group.Name), new KeyValuePair<string, object?>("cache.type", typeName));
}
