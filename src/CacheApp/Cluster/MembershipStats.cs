namespace CacheApp.Cluster;

/// <summary>
/// Cumulative membership counters for the status page and the metrics: every request and answer
/// this node sent or received (answers count as messages: an ack is one), their JSON bytes, and
/// the protocol's events. Thread-safe.
/// </summary>
public sealed class MembershipStats
{
    private long _messagesSent;
    private long _bytesSent;
    private long _messagesReceived;
    private long _bytesReceived;
    private long _probes;
    private long _indirectProbes;
    private long _suspicions;
    private long _refutations;

    public long MessagesSent => Volatile.Read(ref _messagesSent);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long MessagesReceived => Volatile.Read(ref _messagesReceived);

    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    /// <summary>Direct probes (pings) this node started.</summary>
    public long Probes => Volatile.Read(ref _probes);

    /// <summary>Indirect probes (ping-req) this node asked others to make.</summary>
    public long IndirectProbes => Volatile.Read(ref _indirectProbes);

    /// <summary>Members this node suspected after a probe went unanswered.</summary>
    public long Suspicions => Volatile.Read(ref _suspicions);

    /// <summary>Claims about this node (suspect, dead) it refuted.</summary>
    public long Refutations => Volatile.Read(ref _refutations);

    public void Sent(long bytes)
    {
        Interlocked.Increment(ref _messagesSent);
        Interlocked.Add(ref _bytesSent, bytes);
    }

    public void Received(long bytes)
    {
        Interlocked.Increment(ref _messagesReceived);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    public void Probe() => Interlocked.Increment(ref _probes);

    public void IndirectProbe() => Interlocked.Increment(ref _indirectProbes);

    public void Suspicion() => Interlocked.Increment(ref _suspicions);

    public void Refutation() => Interlocked.Increment(ref _refutations);
}
