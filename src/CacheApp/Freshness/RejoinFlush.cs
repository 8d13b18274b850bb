using CacheApp.Cluster;
using GroupCache;
using GroupCache.Http;

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
/// <para>
/// DISCOVERY=dns and kubernetes have the same case without gossip: a node that discovery left out
/// for a while (its pod not ready for a moment) was off the other nodes' rings, so their
/// invalidations missed it, while it kept itself and its cache. When discovery lists it again
/// (<see cref="ISelfRelistingSource.SelfRelisted"/>, wired by <see cref="FreshnessSetup.UseFlushOnRelisting"/>)
/// it empties its caches the same way: <see cref="OnSelfRelisted"/>.
/// </para>
/// </remarks>
public sealed partial class RejoinFlush(Group group, InvalidationStats stats, HotCopyHold hotCopies, ILogger<RejoinFlush> logger) : IRejoinListener
{
    public void OnRejoined(IReadOnlyList<string> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        Flush(string.Join(' ', members), "came back from dead (a partition healed)");
    }

    /// <summary>Discovery (DNS, Kubernetes) lists this node, <paramref name="self"/>, again after leaving it out.</summary>
    public void OnSelfRelisted(string self) => Flush(self, "(this node) is listed by discovery again after a while without it");

    private void Flush(string members, string reason)
    {
        // First: the peers may not have flushed yet, and a copy of their answer made after this
        // flush would outlive theirs (docs/RELIABILITY.md).
        hotCopies.Hold();
        int dropped = group.Clear();
        stats.OnRejoinFlush(dropped);
        LogFlushed(logger, dropped, members, reason);
    }

    [LoggerMessage(510, LogLevel.Warning, "Emptied the caches ({Entries} entries) after {Members} {Reason}; values may have changed meanwhile")]
    private static partial void LogFlushed(ILogger logger, int entries, string members, string reason);
}
