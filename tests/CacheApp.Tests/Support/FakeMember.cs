using CacheApp.Api;
using CacheApp.Dashboard;

namespace CacheApp.Tests.Support;

/// <summary>A member of a <see cref="FakeDashboardHost"/>: its counters grow by the per-answer steps while it answers.</summary>
internal sealed class FakeMember(string groupcacheAddr)
{
    private double _uptime = 100;
    private long _gets;
    private long _localLoads;
    private long _localLoadErrs;
    private long _peerLoads;

    public string GroupcacheAddr { get; } = groupcacheAddr;

    /// <summary>False: listed, but its status could not be fetched (no samples from it).</summary>
    public bool Reachable { get; set; } = true;

    public long GetsPerAnswer { get; set; }

    public long LocalLoadsPerAnswer { get; set; }

    public long LocalLoadErrsPerAnswer { get; set; }

    public long PeerLoadsPerAnswer { get; set; }

    internal ClusterMemberDto Answer()
    {
        if (!Reachable)
        {
            return new ClusterMemberDto(GroupcacheAddr, GroupcacheAddr, "static", false, true, 0, false, "connection failed", 1, null);
        }

        _uptime += 1;
        _gets += GetsPerAnswer;
        _localLoads += LocalLoadsPerAnswer;
        _localLoadErrs += LocalLoadErrsPerAnswer;
        _peerLoads += PeerLoadsPerAnswer;
        var stats = new StatsDto(_gets, 0, _peerLoads, 0, _gets, _gets, _localLoads, _localLoadErrs, 0);
        var cache = new CacheDto(0, 0, 0, 0, 0, 0);
        var status = new StatusResponse(
            "node " + GroupcacheAddr,
            GroupcacheAddr,
            GroupcacheAddr,
            "test",
            DateTimeOffset.UtcNow,
            _uptime,
            new GroupStatus("data", 1 << 20, 0, stats, cache, cache),
            new RingStatus("static", 1, [GroupcacheAddr]),
            new SourceStatus("http://127.0.0.1:3", true, DateTimeOffset.UtcNow, null),
            new ProcessStatus(1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, false, false),
            new FreshnessStatus(0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
            new SecurityStatus(false),
            null);
        return new ClusterMemberDto(GroupcacheAddr, GroupcacheAddr, "static", false, true, 0, true, null, 1, status);
    }
}
