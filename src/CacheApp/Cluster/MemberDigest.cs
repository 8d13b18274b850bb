using System.Text.Json.Serialization;

namespace CacheApp.Cluster;

/// <summary>
/// What nodes tell each other about one member. <see cref="Incarnation"/> is the member's start
/// time, so a restarted node outranks everything said about its previous life; within one life
/// <see cref="Heartbeat"/> is SWIM's incarnation counter, bumped only when the member refutes a
/// suspicion. Together they are the claim's version: a higher version wins, and at the same version
/// alive &lt; suspect &lt; dead &lt; left. "Left" is final for one incarnation.
/// </summary>
/// <param name="ApiAddr">The member's API base URL (where membership messages go).</param>
/// <param name="GroupCacheAddr">Its groupcache base URL: its name on the ring and in the table.</param>
/// <param name="Incarnation">Its start time in Unix milliseconds (or higher, after a refutation of a later claim).</param>
/// <param name="Heartbeat">Its refutation counter within that incarnation.</param>
/// <param name="Left">It stopped gracefully.</param>
/// <param name="AgeMs">How long ago the sender last heard news of the member (bounded); for a dead or departed member, about how long it has been gone, which a receiver that did not know it counts its forget time from.</param>
/// <param name="State">"alive" (or absent), "suspect" or "dead": what the sender claims.</param>
[JsonNumberHandling(JsonNumberHandling.Strict)] // numbers as numbers: "1" is a type error, not a 1
public sealed record MemberDigest(string ApiAddr, string GroupCacheAddr, long Incarnation, long Heartbeat, bool Left, long AgeMs, string? State = null);

/// <summary>
/// The body of every membership request and answer. Join and push-pull carry (a page of) the sender's
/// table, gossip, ping and ack the recent changes, leave the sender marked "left".
/// </summary>
/// <param name="From">The sender's groupcache address.</param>
/// <param name="Members">Member claims: a page of the table, or the piggy-backed recent changes.</param>
/// <param name="FromApi">The sender's API address, where answers to a relayed probe go.</param>
/// <param name="Seq">A probe's number (ping, ping-req, ack).</param>
/// <param name="Target">The probed member's groupcache address (ping-req, relayed ack).</param>
/// <param name="TargetApi">The probed member's API address (ping-req).</param>
/// <param name="Page">Which page of the table this is (join, push-pull).</param>
/// <param name="More">True when the sender's table has pages after this one.</param>
[JsonNumberHandling(JsonNumberHandling.Strict)]
public sealed record ClusterMessage(
    string From,
    IReadOnlyList<MemberDigest> Members,
    string? FromApi = null,
    long? Seq = null,
    string? Target = null,
    string? TargetApi = null,
    int? Page = null,
    bool? More = null);

/// <summary>A member's state as this node sees it.</summary>
public enum MemberState
{
    /// <summary>Answers probes (or nobody said otherwise); in the ring.</summary>
    Alive,

    /// <summary>A probe went unanswered, directly and through others; still in the ring until the suspicion times out.</summary>
    Suspect,

    /// <summary>Suspected for the suspicion timeout without refuting it; out of the ring until it answers again.</summary>
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
