using k8s.Models;
using static GroupCache.Kubernetes.Tests.Slices;

namespace GroupCache.Kubernetes.Tests;

public class EndpointSliceRingTests
{
    private const string Self = "http://127.0.0.10:8081";

    [Fact]
    public void PeersOf_IPv6Slice_AddressesBracketedAndNormalized()
    {
        var slice = Of("v6", [Endpoint("::1"), Endpoint("0:0:0:0:0:0:0:2")]);
        slice.AddressType = "IPv6";

        Assert.Equal(["http://[::1]:8081", "http://[::2]:8081"], EndpointSliceRing.PeersOf(slice, "groupcache", "http"));
    }

    [Fact]
    public void PeersOf_FqdnSliceOrAddressThatIsNoIp_NamesNoPeer()
    {
        var fqdn = Of("names", [Endpoint("cache-0.cache.shop.svc")]);
        fqdn.AddressType = "FQDN";
        var garbage = Of("bad", [Endpoint("not-an-ip"), Endpoint("127.0.0.11")]);

        Assert.Empty(EndpointSliceRing.PeersOf(fqdn, "groupcache", "http"));
        Assert.Equal(["http://127.0.0.11:8081"], EndpointSliceRing.PeersOf(garbage, "groupcache", "http"));
    }

    [Fact]
    public void PeersOf_NamedPortWithoutNumberOrOutOfRange_NamesNoPeer()
    {
        var slice = Of("a", [Endpoint("127.0.0.11")], [("groupcache", 0)]);
        slice.Ports[0].Port = null;

        Assert.Empty(EndpointSliceRing.PeersOf(slice, "groupcache", "http"));
        Assert.Empty(EndpointSliceRing.PeersOf(Of("b", [Endpoint("127.0.0.11")], [("groupcache", 70000)]), "groupcache", "http"));
    }

    [Fact]
    public void PeersOf_NoPortOfTheName_ThePortOfTheNumberInstead_AndNoneWhenNeitherIsThere()
    {
        var slice = Of("a", [Endpoint("127.0.0.11")], [("http", 8080), ("gc", 9091)]);

        Assert.Equal(["http://127.0.0.11:9091"], EndpointSliceRing.PeersOf(slice, new PortChoice("groupcache", 9091), "http"));
        Assert.Equal(["http://127.0.0.11:9091"], EndpointSliceRing.PeersOf(slice, new PortChoice("gc", 7777), "http")); // the name first
        Assert.Empty(EndpointSliceRing.PeersOf(slice, new PortChoice("groupcache", 7777), "http"));
        Assert.Empty(EndpointSliceRing.PeersOf(slice, "groupcache", "http"));
    }

    [Fact]
    public void Peers_SlicesWithoutThePortName_ReportedByNumberOrNotFound_SlicesWithoutEndpointsNot()
    {
        var ring = new EndpointSliceRing(Self, new PortChoice("groupcache", 8081), "http", 100);
        ring.Reset(
        [
            Of("named", [Endpoint("127.0.0.11")], [("groupcache", 8081)]),
            Of("unnamed", [Endpoint("127.0.0.12"), Endpoint("127.0.0.13")], [("", 8081)]),
            Of("other", [Endpoint("127.0.0.14")], [("http", 8080)]),
            Of("placeholder", [], [("http", 8080)]),
        ]);

        var peers = ring.Peers();

        Assert.Equal([Self, "http://127.0.0.11:8081", "http://127.0.0.12:8081", "http://127.0.0.13:8081"], peers);
        AssertMismatch(ring.PortByNumber, ["unnamed"], 2, "(unnamed)/8081");
        AssertMismatch(ring.PortNotFound, ["other"], 1, "http/8080");
        Assert.Equal(4, ring.SliceCount);

        ring.Reset([Of("named", [Endpoint("127.0.0.11")], [("groupcache", 8081)])]);
        ring.Peers();
        Assert.Null(ring.PortByNumber);
        Assert.Null(ring.PortNotFound);
    }

    [Fact]
    public void Peers_SameAddressInTwoSlices_OnceAndSorted()
    {
        var ring = new EndpointSliceRing(Self, "groupcache", "http", 100);
        ring.Reset([Of("a", [Endpoint("127.0.0.12"), Endpoint("127.0.0.11")]), Of("b", [Endpoint("127.0.0.11"), Endpoint("127.0.0.10")])]);

        Assert.Equal(["http://127.0.0.10:8081", "http://127.0.0.11:8081", "http://127.0.0.12:8081"], ring.Peers());
    }

    [Fact]
    public void Peers_MoreEndpointsThanMaxPeers_CappedWithSelfKept()
    {
        var ring = new EndpointSliceRing("http://127.0.0.99:8081", "groupcache", "http", 3);
        ring.Upsert(Of("a", Enumerable.Range(1, 10).Select(i => Endpoint($"127.0.0.{i}"))));

        var peers = ring.Peers();

        Assert.Equal(3, peers.Count);
        Assert.Contains("http://127.0.0.99:8081", peers);
        Assert.Equal(8, ring.Truncated);
    }

    [Fact]
    public void Remove_SliceWithoutName_Ignored()
    {
        var ring = new EndpointSliceRing(Self, "groupcache", "http", 100);
        ring.Upsert(Of("a", [Endpoint("127.0.0.11")]));

        ring.Remove(new V1EndpointSlice { Metadata = new V1ObjectMeta() });

        Assert.Equal([Self, "http://127.0.0.11:8081"], ring.Peers());
    }

    private static void AssertMismatch(PortMismatch? mismatch, string[] slices, int endpoints, string ports)
    {
        Assert.NotNull(mismatch);
        Assert.Equal(slices, mismatch.Slices);
        Assert.Equal(endpoints, mismatch.Endpoints);
        Assert.Equal(ports, mismatch.Ports);
    }
}
