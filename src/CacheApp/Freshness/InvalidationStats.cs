namespace CacheApp.Freshness;

/// <summary>
/// The node's freshness counters, shown in the status: writes passed to the source, invalidations
/// this node coordinated, peer removals it sent (and how many were not confirmed), and peer
/// removals it received. Safe to read at any time.
/// </summary>
public sealed class InvalidationStats
{
    private long _writes;
    private long _requested;
    private long _sent;
    private long _failed;
    private long _received;
    private long _rejoinFlushes;
    private long _rejoinFlushedEntries;
    private long _hotCopyHolds;

    /// <summary>PUTs this node passed on to the source.</summary>
    public long Writes => Volatile.Read(ref _writes);

    /// <summary>Cluster-wide invalidations this node coordinated (an API DELETE, a PUT, a source notification).</summary>
    public long Requested => Volatile.Read(ref _requested);

    /// <summary>
    /// Other members this node asked to forget a key: one per member and invalidation, though a
    /// member that confirmed the first pass is sent a second DELETE (see Group.RemoveAsync).
    /// </summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Members asked that did not confirm (error status, unreachable, timed out, or a member that cannot forget keys).</summary>
    public long Failed => Volatile.Read(ref _failed);

    /// <summary>Peer-protocol DELETEs this node received and applied.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Times this node emptied its caches because members came back from dead (see <see cref="RejoinFlush"/>).</summary>
    public long RejoinFlushes => Volatile.Read(ref _rejoinFlushes);

    /// <summary>Entries those flushes dropped.</summary>
    public long RejoinFlushedEntries => Volatile.Read(ref _rejoinFlushedEntries);

    /// <summary>Times this node stopped copying peers' answers for a while (see <see cref="HotCopyHold"/>).</summary>
    public long HotCopyHolds => Volatile.Read(ref _hotCopyHolds);

    internal void OnHotCopyHold() => Interlocked.Increment(ref _hotCopyHolds);

    internal void OnRejoinFlush(int entries)
    {
        Interlocked.Increment(ref _rejoinFlushes);
        Interlocked.Add(ref _rejoinFlushedEntries, entries);
    }

    internal void OnWrite() => Interlocked.Increment(ref _writes);

    internal void OnRequested() => Interlocked.Increment(ref _requested);

    internal void OnSent(int count) => Interlocked.Add(ref _sent, count);

    internal void OnFailed(int count) => Interlocked.Add(ref _failed, count);

    internal void OnReceived() => Interlocked.Increment(ref _received);
}
