using LoadRunner.Reporting;
using LoadRunner.Systems;

namespace LoadRunner.Scenarios;

/// <summary>
/// Our nodes' own GC pauses and allocations during a measurement, summed over the nodes: a latency
/// spike without pauses was not a GC.
/// </summary>
public static class GcFigures
{
    public static void Add(Measurement m, IReadOnlyList<NodeStats> before, IReadOnlyList<NodeStats> after)
    {
        if (before.Concat(after).Any(s => double.IsNaN(s.GcPauseMs)))
        {
            return; // Go's nodes do not report them
        }

        m.Extra["gc_pause_ms"] = after.Sum(s => s.GcPauseMs) - before.Sum(s => s.GcPauseMs);
        m.Extra["gc_collections"] = after.Sum(s => s.GcCollections) - before.Sum(s => s.GcCollections);
        if (m.Requests > 0)
        {
            m.Extra["alloc_bytes_per_req"] = (double)(after.Sum(s => s.AllocatedBytes) - before.Sum(s => s.AllocatedBytes)) / m.Requests;
        }
    }
}
