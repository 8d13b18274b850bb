using CacheApp.Cluster;
using GroupCache;

namespace CacheApp.Freshness;

/// <summary>
/// Empties this node's caches when members come back from dead with the same incarnation: a
/// partition healed (or a frozen process woke up), and invalidations sent on either side while it
/// lasted did not reach the other. Both sides see the other come back, so both flush; each
/// reloads from the source what it is asked for next.
/// </summary>
/// <remarks>
/// Coarse on purpose: a node cannot tell which keys it missed (the ones written on the other side
/// are known only there), and a partition long enough for a member to be declared dead is rare
/// enough that a cold cache afterwards is the cheaper mistake than a stale value kept forever.
/// Partitions shorter than MEMBER_DEAD_AFTER do not trigger it: see docs/RELIABILITY.md.
/// </remarks>
public sealed partial class RejoinFlush(Group group, InvalidationStats stats, ILogger<RejoinFlush> logger) : IRejoinListener
{
    public void OnRejoined(IReadOnlyList<string> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        int dropped = group.Clear();
        stats.OnRejoinFlush(dropped);
        LogFlushed(logger, dropped, string.Join(' ', members));
    }

    [LoggerMessage(510, LogLevel.Warning, "Emptied the caches ({Entries} entries) after a partition healed: {Members} came back from dead; values may have changed meanwhile")]
    private static partial void LogFlushed(ILogger logger, int entries, string members);
}
