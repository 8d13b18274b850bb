using GroupCache.Dns;
using ServiceTesting;

namespace GroupCache.Http.Tests.Dns;

/// <summary>
/// The DNS peer source's logic against a real dnsmasq on 127.0.0.1: answer to peer set, SRV over A,
/// the last good set kept through empty and failed answers, TTL and interval, this node always on it.
/// </summary>
public sealed class DnsPeerSourceTests : IDisposable
{
    private const string Domain = "g.test";
    private const string Name = "ring.g.test";
    private const string Self = "http://127.0.0.9:7000";
    private const int OutageEvent = 1202;
    private const int RecoveredEvent = 1203;

    private readonly List<Dnsmasq> _servers = [];
    private readonly RecordingLogger _log = new();

    public void Dispose() => _servers.ForEach(s => s.Dispose());

    [Fact]
    public async Task ARecords_BecomePeersOnTheNodesPort_SortedWithSelf()
    {
        var dns = await StartAsync(ttl: TimeSpan.FromSeconds(30));
        dns.SetHosts([("127.0.0.3", Name), ("127.0.0.2", Name)]);
        var source = Source(dns);

        var refresh = await source.RefreshAsync(CancellationToken.None);

        Assert.Equal(["http://127.0.0.2:7000", "http://127.0.0.3:7000", Self], refresh.Peers);
        Assert.Equal(refresh.Peers, source.Snapshot.Peers);
        Assert.Equal("dns", source.Snapshot.Mode);
        Assert.Equal(1, source.Snapshot.Refreshes);
        Assert.NotNull(source.Snapshot.LastRefresh);
        Assert.Null(source.Snapshot.LastError);
    }

    [Fact]
    public async Task AaaaRecords_BecomeBracketedPeers()
    {
        var dns = await StartAsync(ttl: TimeSpan.FromSeconds(30));
        dns.SetHosts([("::1", Name), ("127.0.0.2", Name)]);

        var refresh = await Source(dns).RefreshAsync(CancellationToken.None);

        Assert.Equal(["http://127.0.0.2:7000", Self, "http://[::1]:7000"], refresh.Peers);
    }

    [Fact]
    public async Task SrvRecords_GiveAddressAndPort_AndArePreferredToA()
    {
        var dns = await StartAsync(
            ttl: TimeSpan.FromSeconds(30),
            $"--srv-host=_groupcache._tcp.{Name},n1.{Domain},7101",
            $"--srv-host=_groupcache._tcp.{Name},n2.{Domain},7102");
        dns.SetHosts([("127.0.0.2", $"n1.{Domain}"), ("127.0.0.3", $"n2.{Domain}"), ("127.0.0.4", Name)]);

        var refresh = await Source(dns).RefreshAsync(CancellationToken.None);

        Assert.Equal(["http://127.0.0.2:7101", "http://127.0.0.3:7102", Self], refresh.Peers);
    }

    [Fact]
    public async Task SrvRecordWithPortZero_IsLeftOut_AndOnlySuchRecords_AreNoAnswer()
    {
        var mixed = await StartAsync(
            ttl: TimeSpan.FromSeconds(30),
            $"--srv-host=_groupcache._tcp.{Name},n1.{Domain},7101",
            $"--srv-host=_groupcache._tcp.{Name},n2.{Domain},0");
        mixed.SetHosts([("127.0.0.2", $"n1.{Domain}"), ("127.0.0.3", $"n2.{Domain}")]);
        var onlyZero = await StartAsync(ttl: TimeSpan.FromSeconds(30), $"--srv-host=_groupcache._tcp.{Name},n2.{Domain},0");
        onlyZero.SetHosts([("127.0.0.3", $"n2.{Domain}"), ("127.0.0.4", Name)]);

        var refresh = await Source(mixed).RefreshAsync(CancellationToken.None);
        var zeroSource = Source(onlyZero);
        var zero = await zeroSource.RefreshAsync(CancellationToken.None);

        Assert.Equal(["http://127.0.0.2:7101", Self], refresh.Peers);
        Assert.Null(zero.Peers);
        Assert.Contains("port 0", zeroSource.Snapshot.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfListedByDns_AppearsOnce_AndSelfUnlisted_IsStillOnTheRing()
    {
        var dns = await StartAsync(ttl: TimeSpan.FromSeconds(30));
        dns.SetHosts([("127.0.0.9", Name), ("127.0.0.2", Name)]);
        var source = Source(dns);
        Assert.Equal(["http://127.0.0.2:7000", Self], (await source.RefreshAsync(CancellationToken.None)).Peers);

        dns.SetHosts([("127.0.0.2", Name)]);
        await WaitForAnswerAsync(dns, source, peers => peers.Count == 2);
        Assert.Equal(["http://127.0.0.2:7000", Self], (await source.RefreshAsync(CancellationToken.None)).Peers);
    }

    [Fact]
    public async Task SelfListedUnlistedAndListedAgain_RaisesSelfRelistedOnce_NotAtTheFirstListingNorAfterAFailure()
    {
        var dns = await StartAsync(ttl: TimeSpan.FromSeconds(30));
        dns.SetHosts([("127.0.0.9", Name), ("127.0.0.2", Name)]);
        var source = Source(dns);
        int raised = 0;
        source.SelfRelisted += (sender, _) =>
        {
            Assert.Same(source, sender);
            Interlocked.Increment(ref raised);
        };

        // The first listing is no return (asked until dnsmasq has read its records after the SIGHUP).
        await WaitForAnswerAsync(dns, source, peers => peers.Count == 2);
        Assert.Equal(["http://127.0.0.2:7000", Self], source.Snapshot.Peers);
        Assert.Equal(0, raised);

        // A failed answer is no answer: listed again after it is no return either.
        dns.Stop();
        Assert.Null((await source.RefreshAsync(CancellationToken.None)).Peers);
        await dns.StartAsync();
        await WaitForAnswerAsync(dns, source, peers => peers.Count == 2);
        Assert.Equal(0, raised);

        // Left out (a pod not ready for a moment; another record changes too, to see dnsmasq's new
        // answer): still on its own ring, nothing raised.
        dns.SetHosts([("127.0.0.3", Name)]);
        await WaitForAnswerAsync(dns, source, peers => peers.Contains("http://127.0.0.3:7000"));
        Assert.Equal(["http://127.0.0.3:7000", Self], source.Snapshot.Peers);
        Assert.Equal(0, raised);

        // Listed again: raised once, by the refresh that saw it; later answers that list it raise nothing.
        dns.SetHosts([("127.0.0.9", Name), ("127.0.0.4", Name)]);
        await WaitForAnswerAsync(dns, source, peers => peers.Contains("http://127.0.0.4:7000"));
        Assert.Equal(1, raised);
        await source.RefreshAsync(CancellationToken.None);
        Assert.Equal(1, raised);
        Assert.Single(_log.Entries, e => e.EventId == 1204);

        // A second stay away and return is a second return.
        dns.SetHosts([("127.0.0.3", Name)]);
        await WaitForAnswerAsync(dns, source, peers => peers.Contains("http://127.0.0.3:7000"));
        dns.SetHosts([("127.0.0.9", Name)]);
        await WaitForAnswerAsync(dns, source, peers => peers.Count == 1);
        Assert.Equal(2, raised);
    }

    [Fact]
    public async Task SelfRelisted_AHandlerThatThrows_IsLoggedAndTheAnswerStillUsed()
    {
        var dns = await StartAsync(ttl: TimeSpan.FromSeconds(30));
        dns.SetHosts([("127.0.0.9", Name)]);
        var source = Source(dns);
        source.SelfRelisted += (_, _) => throw new InvalidOperationException("handler");
        await WaitForAnswerAsync(dns, source, peers => peers.Count == 1);
        dns.SetHosts([("127.0.0.2", Name)]);
        await WaitForAnswerAsync(dns, source, peers => peers.Contains("http://127.0.0.2:7000"));

        dns.SetHosts([("127.0.0.9", Name), ("127.0.0.3", Name)]);
        await WaitForAnswerAsync(dns, source, peers => peers.Contains("http://127.0.0.3:7000"));

        Assert.Equal(["http://127.0.0.3:7000", Self], source.Snapshot.Peers);
        Assert.Single(_log.Entries, e => e.EventId == 1205);
    }

    [Fact]
    public async Task EmptyAnswer_KeepsTheLastGoodSet_LogsOncePerOutage_AndCounts()
    {
        var dns = await StartAsync(ttl: TimeSpan.FromSeconds(30));
        dns.SetHosts([("127.0.0.2", Name)]);
        var source = Source(dns);
        var good = (await source.RefreshAsync(CancellationToken.None)).Peers;
        Assert.NotNull(good);

        dns.SetHosts([]);
        DnsRefresh first = default;
        Assert.True(
            await TestHttp.EventuallyAsync(async () => (first = await source.RefreshAsync(CancellationToken.None)).Peers is null, TimeSpan.FromSeconds(20)),
            "dnsmasq kept answering after its records were removed");
        var second = await source.RefreshAsync(CancellationToken.None);

        Assert.Null(second.Peers);
        Assert.Equal(good, source.Snapshot.Peers);
        Assert.True(source.Snapshot.Failures >= 2);
        Assert.Contains(Name, source.Snapshot.LastError, StringComparison.Ordinal);
        Assert.Single(_log.Entries, e => e.EventId == OutageEvent);

        dns.SetHosts([("127.0.0.3", Name)]);
        await WaitForAnswerAsync(dns, source, peers => peers.Contains("http://127.0.0.3:7000"));
        Assert.Null(source.Snapshot.LastError);
        Assert.Single(_log.Entries, e => e.EventId == RecoveredEvent);
    }

    [Fact]
    public async Task ServerGone_KeepsTheLastGoodSet()
    {
        var dns = await StartAsync(ttl: TimeSpan.FromSeconds(30));
        dns.SetHosts([("127.0.0.2", Name), ("127.0.0.3", Name)]);
        var source = Source(dns);
        var good = (await source.RefreshAsync(CancellationToken.None)).Peers;

        dns.Stop();
        var refresh = await source.RefreshAsync(CancellationToken.None);

        Assert.Null(refresh.Peers);
        Assert.Equal(good, source.Snapshot.Peers);
        Assert.Equal(1, source.Snapshot.Failures);
        Assert.NotNull(source.Snapshot.LastError);
        Assert.NotNull(source.Snapshot.LastErrorAt);
        Assert.Equal(TimeSpan.FromSeconds(30), refresh.NextDelay);
    }

    [Theory]
    [InlineData(2, 30, 2)]     // a TTL shorter than the interval shortens the wait
    [InlineData(0, 30, 1)]     // but never below a second
    [InlineData(60, 30, 30)]   // a longer TTL leaves the interval
    public async Task Ttl_ShorterThanTheInterval_ShortensTheNextWait(int ttlSeconds, int intervalSeconds, int expectedSeconds)
    {
        var dns = await StartAsync(ttl: TimeSpan.FromSeconds(ttlSeconds));
        dns.SetHosts([("127.0.0.2", Name)]);

        var refresh = await Source(dns, TimeSpan.FromSeconds(intervalSeconds)).RefreshAsync(CancellationToken.None);

        Assert.NotNull(refresh.Peers);
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), refresh.NextDelay);
    }

    [Fact]
    public async Task Watch_YieldsSelfFirst_ThenEachChange_OnlyChanges_AndEndsOnCancel()
    {
        var dns = await StartAsync(ttl: TimeSpan.Zero);
        dns.SetHosts([("127.0.0.2", Name)]);
        var source = Source(dns, TimeSpan.FromSeconds(1));
        using var cts = new CancellationTokenSource();
        var sets = source.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await sets.MoveNextAsync());
        Assert.Equal([Self], sets.Current);
        Assert.True(await sets.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(["http://127.0.0.2:7000", Self], sets.Current);

        // Unchanged answers yield nothing: after several intervals the next set is still pending.
        var next = sets.MoveNextAsync().AsTask();
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        Assert.False(next.IsCompleted, "an unchanged answer was yielded again");
        Assert.True(source.Snapshot.Refreshes >= 2);

        dns.SetHosts([("127.0.0.2", Name), ("127.0.0.4", Name)]);
        Assert.True(await next.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(["http://127.0.0.2:7000", "http://127.0.0.4:7000", Self], sets.Current);

        var pending = sets.MoveNextAsync().AsTask();
        await cts.CancelAsync();
        Assert.False(await pending.WaitAsync(TimeSpan.FromSeconds(30)));
        await sets.DisposeAsync();
    }

    /// <summary>
    /// An SRV record whose target is "." says the service is not available there (RFC 2782): it
    /// names no host. Looked up as the empty name (the root), it failed the whole lookup wherever the
    /// server refuses that query (an authoritative-only server, like dnsmasq or a cluster's DNS),
    /// so one such record beside good ones kept every later change of the ring out for as long
    /// as it stayed.
    /// </summary>
    [Fact]
    public async Task SrvRecordWithRootTarget_IsLeftOut_AndTheOtherRecordsMakeTheRing()
    {
        var dns = await StartAsync(
            ttl: TimeSpan.FromSeconds(30),
            $"--srv-host=_groupcache._tcp.{Name},n1.{Domain},7101",
            $"--srv-host=_groupcache._tcp.{Name},.,7102");
        dns.SetHosts([("127.0.0.2", $"n1.{Domain}")]);
        var source = Source(dns);

        var refresh = await source.RefreshAsync(CancellationToken.None);

        Assert.Null(source.Snapshot.LastError);
        Assert.Equal(["http://127.0.0.2:7101", Self], refresh.Peers);
    }

    /// <summary>
    /// An AAAA record holding an IPv4-mapped address (::ffff:a.b.c.d) names the host of the A
    /// record a.b.c.d: connections to either reach the same node. Spelled as an IPv6 URL it was a
    /// second member, one that is this node itself when the address is this node's: a share of the
    /// keys went to it over HTTP, and another node's double share went to one node.
    /// </summary>
    [Fact]
    public async Task Ipv4MappedAaaaRecord_IsTheSamePeerAsItsARecord()
    {
        var dns = await StartAsync(ttl: TimeSpan.FromSeconds(30));
        dns.SetHosts([("127.0.0.2", Name), ("::ffff:127.0.0.2", Name), ("::ffff:127.0.0.9", Name)]);

        var refresh = await Source(dns).RefreshAsync(CancellationToken.None);

        Assert.Equal(["http://127.0.0.2:7000", Self], refresh.Peers);
    }

    /// <summary>
    /// 0.0.0.0 and :: are what a blocking resolver answers for a name it refuses, and a connection
    /// to them reaches this host: as members they put this node on its own ring as a remote peer.
    /// Multicast and broadcast addresses take no connection. None of them is a peer; an answer of
    /// nothing else is no answer, and the last good ring stays.
    /// </summary>
    [Fact]
    public async Task UnspecifiedMulticastAndBroadcastRecords_AreNoPeers_AndOnlySuchRecords_AreNoAnswer()
    {
        string[] noPeers = ["0.0.0.0", "::", "::ffff:0.0.0.0", "224.0.0.1", "239.255.255.250", "255.255.255.255", "ff02::1"];
        var dns = await StartAsync(ttl: TimeSpan.FromSeconds(30));
        dns.SetHosts([("127.0.0.2", Name), .. noPeers.Select(a => (a, Name))]);
        var source = Source(dns);

        var mixed = await source.RefreshAsync(CancellationToken.None);

        Assert.Null(source.Snapshot.LastError);
        Assert.Equal(["http://127.0.0.2:7000", Self], mixed.Peers);

        dns.SetHosts([.. noPeers.Select(a => (a, Name))]);
        DnsRefresh only = default;
        Assert.True(
            await TestHttp.EventuallyAsync(async () => (only = await source.RefreshAsync(CancellationToken.None)).Peers is null, TimeSpan.FromSeconds(20)),
            $"an answer of no peer's address was used: {string.Join(", ", source.Snapshot.Peers)}{Environment.NewLine}{dns.Output}");
        Assert.Equal(["http://127.0.0.2:7000", Self], source.Snapshot.Peers);
        Assert.Contains("0.0.0.0", source.Snapshot.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SrvRecordWhoseTargetIsAnUnspecifiedAddress_IsLeftOut()
    {
        var dns = await StartAsync(
            ttl: TimeSpan.FromSeconds(30),
            $"--srv-host=_groupcache._tcp.{Name},n1.{Domain},7101",
            $"--srv-host=_groupcache._tcp.{Name},n2.{Domain},7102");
        dns.SetHosts([("127.0.0.2", $"n1.{Domain}"), ("0.0.0.0", $"n2.{Domain}")]);
        var source = Source(dns);

        var refresh = await source.RefreshAsync(CancellationToken.None);

        Assert.Null(source.Snapshot.LastError);
        Assert.Equal(["http://127.0.0.2:7101", Self], refresh.Peers);
    }

    private async Task<Dnsmasq> StartAsync(TimeSpan ttl, params string[] extraArgs)
    {
        var dns = new Dnsmasq(Domain, ttl, extraArgs);
        _servers.Add(dns);
        await dns.StartAsync();
        return dns;
    }

    private DnsPeerSource Source(Dnsmasq dns, TimeSpan? interval = null) => new(
        new DnsDiscoveryOptions { Name = Name, Server = dns.EndPoint, Interval = interval ?? TimeSpan.FromSeconds(30), QueryTimeout = TimeSpan.FromMilliseconds(500) },
        Self,
        TimeProvider.System,
        _log);

    /// <summary>dnsmasq re-reads its hosts file a moment after SIGHUP: asks until the answer matches.</summary>
    private static async Task WaitForAnswerAsync(Dnsmasq dns, DnsPeerSource source, Func<IReadOnlyList<string>, bool> matches)
    {
        bool seen = await TestHttp.EventuallyAsync(
            async () => (await source.RefreshAsync(CancellationToken.None)).Peers is { } peers && matches(peers),
            TimeSpan.FromSeconds(20));
        Assert.True(seen, $"dnsmasq never gave the expected answer; last: {string.Join(", ", source.Snapshot.Peers)}, error: {source.Snapshot.LastError}{Environment.NewLine}{dns.Output}");
    }
}
