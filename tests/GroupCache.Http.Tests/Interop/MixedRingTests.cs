using System.Net;
using GroupCache.Http.Tests.Support;

namespace GroupCache.Http.Tests.Interop;

/// <summary>
/// A C#/Go ring proves wire compatibility: the nodes agree on owners, fetch from one another in
/// both directions, load each key once in the whole ring, and return exact bytes.
/// </summary>
public sealed class MixedRingTests(MixedRing ring) : IClassFixture<MixedRing>
{
    [Fact]
    public async Task Remove_OfAKeyTheGoNodeOwns_NamesItAsUnableToForget_ForGoServesADeleteAsAGet()
    {
        string goPeer = ring.Peers.Single(p => p != ring.A.Url && p != ring.B.Url);
        string key = InteropKeys.All().First(k => ring.A.Pool.OwnerOf(k) == goPeer);
        Assert.Equal(SyntheticValues.For(key).ToArray(), (await ring.A.Group.GetAsync(key)).ToArray());

        // Go answers the DELETE with 200 and the value it still holds: that is no removal, and
        // asking again would not be one either (not "unreached", which a retry may fix).
        var direct = await Record.ExceptionAsync(() => ring.A.Pool.ClientFor(goPeer).RemoveAsync(TestNode.GroupName, key, CancellationToken.None));
        var result = await ring.A.Group.RemoveAsync(key);

        Assert.IsType<NotSupportedException>(direct);
        Assert.False(result.Complete);
        Assert.Equal([goPeer], result.CannotForget);
        Assert.Empty(result.Unreached);
        Assert.Equal(result.Asked - 1, result.Confirmed);
    }

    [Fact]
    public async Task Remove_OfAKeyTheGoNodeCannotLoad_NamesItAsUnableToForget_NotAsUnreached()
    {
        // The -notify case: the record is gone from the source, so Go's get fails and it answers
        // the DELETE with a plain-text 500. A retry would get the same; it must not count as a
        // member that may still hold the key and could be reached later.
        string goPeer = ring.Go.Self;
        string key = Enumerable.Range(0, 1000).Select(i => "missing:delete" + i).First(k => ring.A.Pool.OwnerOf(k) == goPeer);

        var direct = await Record.ExceptionAsync(() => ring.A.Pool.ClientFor(goPeer).RemoveAsync(TestNode.GroupName, key, CancellationToken.None));
        var result = await ring.A.Group.RemoveAsync(key);

        Assert.IsType<NotSupportedException>(direct);
        Assert.Equal([goPeer], result.CannotForget);
        Assert.Empty(result.Unreached);
        Assert.Equal(result.Asked - 1, result.Confirmed);
    }

    [Fact]
    public async Task OwnerOf_EveryKey_AgreesOnEveryNode()
    {
        var keys = InteropKeys.All();
        var disagreements = new List<string>();
        foreach (string key in keys)
        {
            string go = await ring.Go.OwnerAsync(key);
            string? a = ring.A.Pool.OwnerOf(key);
            string? b = ring.B.Pool.OwnerOf(key);
            if (go != a || go != b)
            {
                disagreements.Add($"{Show(key)}: go={go} a={a} b={b}");
            }
        }

        Assert.True(keys.Count >= 1000);
        Assert.Empty(disagreements);
        foreach (string peer in ring.Peers)
        {
            Assert.True(keys.Count(k => ring.A.Pool.OwnerOf(k) == peer) > 200, $"{peer} owns too few keys for the test to mean much");
        }
    }

    [Fact]
    public async Task Get_EveryKeyFromEveryNode_ReturnsExactValueAndLoadsOnceOnTheOwner()
    {
        // Each key is fetched from every node in turn, the first asker rotating, so that every
        // node is sometimes the one whose request makes the owner load.
        var keys = InteropKeys.All();
        var failures = new List<string>();
        for (int i = 0; i < keys.Count; i++)
        {
            string key = keys[i];
            byte[] expected = SyntheticValues.For(key).ToArray();
            for (int turn = 0; turn < 3; turn++)
            {
                switch ((i + turn) % 3)
                {
                    case 0:
                        Check(failures, key, "a", expected, (await ring.A.Group.GetAsync(key)).ToArray());
                        break;
                    case 1:
                        Check(failures, key, "b", expected, (await ring.B.Group.GetAsync(key)).ToArray());
                        break;
                    default:
                        var (status, body) = await ring.Go.RawAsync(key);
                        if (status != HttpStatusCode.OK)
                        {
                            failures.Add($"{Show(key)} via go: {(int)status} {System.Text.Encoding.UTF8.GetString(body)}");
                        }
                        else
                        {
                            Check(failures, key, "go", expected, body);
                        }

                        break;
                }
            }
        }

        var goLoads = await ring.Go.LoadsAsync();
        var loadFailures = new List<string>();
        var ownedBy = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string key in keys)
        {
            long a = ring.A.Getter.CallsFor(key);
            long b = ring.B.Getter.CallsFor(key);
            long go = goLoads.GetValueOrDefault(key);
            string owner = ring.A.Pool.OwnerOf(key)!;
            ownedBy[owner] = ownedBy.GetValueOrDefault(owner) + 1;
            long ownerLoads = owner == ring.A.Url ? a : owner == ring.B.Url ? b : go;
            if (a + b + go != 1 || ownerLoads != 1)
            {
                loadFailures.Add($"{Show(key)} (owner {owner}): a={a} b={b} go={go}");
            }
        }

        Assert.True(keys.Count >= 1000);
        Assert.Contains(keys, k => k.StartsWith("bin:0:", StringComparison.Ordinal));
        Assert.Contains(keys, k => k.StartsWith("bin:1:", StringComparison.Ordinal));
        Assert.Equal(3, keys.Count(k => k.StartsWith("bin:1048576:", StringComparison.Ordinal)));
        Assert.Empty(failures.Take(20));
        Assert.Empty(loadFailures.Take(20));
        Assert.Equal(3, ownedBy.Count);
        Assert.Equal(0, ring.A.Group.Stats.PeerErrors);
        Assert.Equal(0, ring.B.Group.Stats.PeerErrors);
        Assert.Equal(0, await ring.Go.StatAsync("PeerErrors"));
        Assert.True(ring.A.Group.Stats.PeerLoads > 0 && ring.B.Group.Stats.PeerLoads > 0);
        Assert.True(ring.A.Group.Stats.ServerRequests > 0 && ring.B.Group.Stats.ServerRequests > 0);
        Assert.True(await ring.Go.StatAsync("ServerRequests") > 0);
        Assert.True(await ring.Go.StatAsync("PeerLoads") > 0);
    }

    [Fact]
    public async Task Get_SpacesAndPlusAcrossLanguages_ArriveAsTheExactKey()
    {
        string[] candidates = [.. Enumerable.Range(0, 60).SelectMany(i => new[] { $"sp a b {i}", $"pl x+y{i}", $"both +{i} +" })];
        string[] ownedByGo = [.. candidates.Where(k => ring.A.Pool.OwnerOf(k) == ring.Go.Self)];
        string[] ownedByA = [.. candidates.Where(k => ring.A.Pool.OwnerOf(k) == ring.A.Url)];

        // C# asks Go: the key must reach the Go owner with its spaces and '+' intact.
        foreach (string key in ownedByGo)
        {
            Assert.Equal("v:" + key, (await ring.A.Group.GetAsync(key)).ToString());
        }

        // Go asks C#: Go sends a space as '+', and a '+' as %2B; the C# owner must tell them apart.
        foreach (string key in ownedByA)
        {
            var (status, body) = await ring.Go.RawAsync(key);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("v:" + key, System.Text.Encoding.UTF8.GetString(body));
        }

        var goLoads = await ring.Go.LoadsAsync();
        Assert.True(ownedByGo.Length > 10 && ownedByA.Length > 10);
        Assert.All(ownedByGo, k => Assert.Equal((0, 1L), (ring.A.Getter.CallsFor(k), goLoads.GetValueOrDefault(k))));
        Assert.All(ownedByA, k => Assert.Equal((1, 0L), (ring.A.Getter.CallsFor(k), goLoads.GetValueOrDefault(k))));
    }

    [Fact]
    public async Task Get_MissingKeyOwnedByCSharp_IsFinalForCSharpAndAnErrorForGo()
    {
        string key = Enumerable.Range(0, 1000).Select(i => "missing:cs" + i).First(k => ring.A.Pool.OwnerOf(k) == ring.A.Url);

        // A C# asker believes the C# owner's "not found" and does not ask its own source.
        await Assert.ThrowsAsync<NotFoundException>(async () => await ring.B.Group.GetAsync(key));
        Assert.Equal(1, ring.A.Getter.CallsFor(key));
        Assert.Equal(0, ring.B.Getter.CallsFor(key));

        // A Go asker sees a non-200, as from any groupcache owner, and loads locally (its source says not found too).
        var (status, _) = await ring.Go.RawAsync(key);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(1, (await ring.Go.LoadsAsync()).GetValueOrDefault(key));
    }

    [Fact]
    public async Task Get_MissingKeyOwnedByGo_IsAPeerErrorThenNotFoundLocally()
    {
        string key = Enumerable.Range(0, 1000).Select(i => "missing:go" + i).First(k => ring.A.Pool.OwnerOf(k) == ring.Go.Self);
        long errorsBefore = ring.A.Group.Stats.PeerErrors;

        // Go answers a failed load with a 500 whatever the reason, so the C# asker cannot tell
        // "not found" from a failure and, like a Go asker, loads the key itself.
        var ex = await Assert.ThrowsAsync<NotFoundException>(async () => await ring.A.Group.GetAsync(key));

        Assert.Equal("not found: " + key, ex.Message);
        Assert.Equal(errorsBefore + 1, ring.A.Group.Stats.PeerErrors);
        Assert.Equal(1, ring.A.Getter.CallsFor(key));
        Assert.Equal(1, (await ring.Go.LoadsAsync()).GetValueOrDefault(key));
    }

    private static void Check(List<string> failures, string key, string via, byte[] expected, byte[] actual)
    {
        if (!expected.AsSpan().SequenceEqual(actual))
        {
            int at = expected.AsSpan().CommonPrefixLength(actual);
            failures.Add($"{Show(key)} via {via}: expected {expected.Length} bytes, got {actual.Length}, first difference at byte {at}");
        }
    }

    private static string Show(string key) => System.Text.Json.JsonSerializer.Serialize(key);
}
