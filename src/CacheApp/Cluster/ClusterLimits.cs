using CacheApp.Configuration;

namespace CacheApp.Cluster;

/// <summary>
/// The bounds of membership messages: what a node sends at most, and what it accepts from the
/// network. Every message is bounded whatever the cluster's size; full state goes in pages.
/// </summary>
public static class ClusterLimits
{
    /// <summary>Piggy-backed updates in one ping, ack or gossip message.</summary>
    public const int MaxUpdatesPerMessage = 32;

    /// <summary>Rows in one page of a join answer (sent once, when a node joins).</summary>
    public const int JoinPageSize = 64;

    /// <summary>Rows in one page of the periodic push-pull: small, so that its cost per second does not grow with the cluster.</summary>
    public const int SyncPageSize = 16;

    /// <summary>Member entries one received message may carry.</summary>
    public const int MaxMembersPerMessage = CacheAppSettings.MaxMembers;

    /// <summary>Incarnations, refutation counters and probe numbers above this are refused (Unix milliseconds until the year 33658; a refutation adds one without overflow).</summary>
    public const long MaxCounter = 1_000_000_000_000_000;

    /// <summary>
    /// Claims of an incarnation more than this (a day) ahead of the receiver's clock are ignored:
    /// incarnations are start times in Unix ms, so a day covers any clock skew a cluster should have.
    /// </summary>
    public const long MaxIncarnationAheadMs = 24L * 60 * 60 * 1000;

    /// <summary>Ages above this (about 115 days) are refused.</summary>
    public const long MaxAgeMs = 10_000_000_000;

    /// <summary>Page numbers above this are refused.</summary>
    public const int MaxPage = 4096;

    /// <summary>Addresses longer than this are refused before they are parsed.</summary>
    public const int MaxAddressLength = 256;
}
