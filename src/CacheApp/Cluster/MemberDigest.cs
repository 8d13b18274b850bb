namespace CacheApp.Cluster;

/// <summary>
/// What nodes tell each other about one member. The member itself bumps <see cref="Heartbeat"/>
/// every gossip round; <see cref="Incarnation"/> is its start time, so a restarted node outranks
/// everything said about its previous life, and "left" is final for one incarnation.
/// </summary>
/// <param name="ApiAddr">The member's API base URL (where gossip goes).</param>
/// <param name="GroupCacheAddr">Its groupcache base URL: its name on the ring and in the table.</param>
/// <param name="Incarnation">Its start time in Unix milliseconds (or higher, after a refutation).</param>
/// <param name="Heartbeat">Its own counter, bumped once a round.</param>
/// <param name="Left">It stopped gracefully.</param>
/// <param name="AgeMs">How long ago the sender last saw the heartbeat move, so that old news stays old.</param>
public sealed record MemberDigest(string ApiAddr, string GroupCacheAddr, long Incarnation, long Heartbeat, bool Left, long AgeMs);

/// <summary>The body of join, gossip and leave requests and their answers: the sender's member table.</summary>
/// <param name="From">The sender's groupcache address.</param>
/// <param name="Members">Every member the sender knows, itself included.</param>
public sealed record ClusterMessage(string From, IReadOnlyList<MemberDigest> Members);

/// <summary>A member's state as this node sees it.</summary>
public enum MemberState
{
    /// <summary>Heard of recently; in the ring.</summary>
    Alive,

    /// <summary>Not heard of for a couple of rounds; still in the ring.</summary>
    Suspect,

    /// <summary>Not heard of for the dead-after time; out of the ring until it answers again.</summary>
    Dead,

    /// <summary>Said it was leaving; out of the ring until it comes back with a new incarnation.</summary>
    Left,
}

/// <summary>One row of this node's table, for the admin API.</summary>
public sealed record MemberView(
    string ApiAddr,
    string GroupCacheAddr,
    MemberState State,
    DateTimeOffset LastSeen,
    long Incarnation,
    long Heartbeat,
    bool IsSelf);
