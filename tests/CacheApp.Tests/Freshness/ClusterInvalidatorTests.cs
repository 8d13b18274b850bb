using System.Collections.Concurrent;
using System.Net;
using CacheApp.Freshness;
using GroupCache;
using GroupCache.Http;

namespace CacheApp.Tests.Freshness;

/// <summary>The invalidation's order and accounting, with a fake peer transport (no sockets).</summary>
public class ClusterInvalidatorTests
{
    private const string Self = "http://127.0.0.1:7001";
    private static readonly string[] Ring = [Self, "http://127.0.0.1:7002", "http://127.0.0.1:7003", "http://127.0.0.1:7004"];

    /// <summary>Answers peer DELETEs: held ones wait for their gate; refused ones fail to connect.</summary>
    private sealed class FakePeers : HttpMessageHandler
    {
        public ConcurrentQueue<string> Started { get; } = new();

        public ConcurrentDictionary<string, TaskCompletionSource> Held { get; } = new();

        public HashSet<string> Refused { get; } = [];

        /// <summary>Peers that answer a DELETE as golang/groupcache does: with the value, as a get.</summary>
        public HashSet<string> AnswerWithValue { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            string peer = request.RequestUri!.GetLeftPart(UriPartial.Authority);
            Assert.Equal(HttpMethod.Delete, request.Method);
            Started.Enqueue(peer);
            if (Held.TryGetValue(peer, out var gate))
            {
                await gate.Task.WaitAsync(cancellationToken);
            }

            if (Refused.Contains(peer))
            {
                throw new HttpRequestException("connection refused");
            }

            if (AnswerWithValue.Contains(peer))
            {
                // A GetResponse whose value is "v" (field 1, length 1).
                var content = new ByteArrayContent([0x0A, 0x01, 0x76]);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(PeerProtocolHeaders.ProtobufContentType);
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
            }

            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }

    private static (ClusterInvalidator Invalidator, InvalidationStats Stats, HttpPool Pool, Group Group) Make(FakePeers peers)
    {
        var pool = new HttpPool(Self, new HttpPoolOptions { PeerTimeout = TimeSpan.FromSeconds(30) }, peers);
        pool.SetPeers(Ring);
        var group = new Group("data", 1 << 20, new GetterFunc((key, _) => ValueTask.FromResult(ByteView.FromString("v:" + key))), pool);
        var stats = new InvalidationStats();
        return (new ClusterInvalidator(group, stats), stats, pool, group);
    }

    private static string KeyOwnedBy(HttpPool pool, Func<string, bool> owner) =>
        Enumerable.Range(0, 10_000).Select(i => $"key-{i}").First(k => owner(pool.OwnerOf(k)!));

    [Fact]
    public async Task InvalidateAsync_EveryMember_IsAskedAgainOnlyOnceAllAnsweredTheFirstTime()
    {
        var peers = new FakePeers();
        var (invalidator, stats, pool, _) = Make(peers);
        string key = KeyOwnedBy(pool, o => o != Self);
        string owner = pool.OwnerOf(key)!;
        var ownerGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        peers.Held[owner] = ownerGate;

        var pending = invalidator.InvalidateAsync(key);
        // A gate cannot show that something did not happen: give a wrong implementation (a second
        // pass that does not wait for the first) a moment to start.
        await Task.Delay(200);
        string[] whileOwnerPending = [.. peers.Started];
        peers.Held.TryRemove(owner, out _);
        ownerGate.SetResult();
        var result = await pending;

        string[] others = [.. Ring.Where(p => p != Self).Order()];
        Assert.Equal(others, whileOwnerPending.Order());
        Assert.Equal(4, result.Confirmed);
        Assert.Equal(4, result.RingSize);
        Assert.Empty(result.Unreached);
        Assert.Equal(others, peers.Started.Skip(3).Order());
        Assert.Equal(6, peers.Started.Count);
        Assert.Equal(3, stats.Sent);
        Assert.Equal(1, stats.Requested);
    }

    [Fact]
    public async Task InvalidateAsync_OwnerIsThisNode_ForgetsLocallyThenAsksTheOthers()
    {
        var peers = new FakePeers();
        var (invalidator, stats, pool, group) = Make(peers);
        string key = KeyOwnedBy(pool, o => o == Self);
        await group.GetAsync(key);
        Assert.Equal(1, group.GetCacheStats(CacheType.Main).Items);

        var result = await invalidator.InvalidateAsync(key);

        Assert.Equal(0, group.GetCacheStats(CacheType.Main).Items);
        Assert.Equal(4, result.Confirmed);
        Assert.Equal(3, stats.Sent);
    }

    [Fact]
    public async Task InvalidateAsync_UnreachableMembers_AreNamedAndCountedAndTheRestStillAsked()
    {
        var peers = new FakePeers();
        var (invalidator, stats, pool, _) = Make(peers);
        string key = KeyOwnedBy(pool, o => o != Self);
        string owner = pool.OwnerOf(key)!;
        string another = Ring.First(p => p != Self && p != owner);
        peers.Refused.Add(owner);
        peers.Refused.Add(another);

        var result = await invalidator.InvalidateAsync(key);

        Assert.Equal(2, result.Confirmed);
        Assert.Equal([owner, another], result.Unreached);
        Assert.Equal(4, peers.Started.Count); // the one that confirmed is asked twice, the others once
        Assert.Equal(2, stats.Failed);
    }

    [Fact]
    public async Task InvalidateAsync_MemberThatCannotForget_IsCountedAsFailedAndNamedApart()
    {
        var peers = new FakePeers();
        var (invalidator, stats, pool, _) = Make(peers);
        string key = KeyOwnedBy(pool, o => o != Self);
        string goNode = Ring.First(p => p != Self && p != pool.OwnerOf(key));
        peers.AnswerWithValue.Add(goNode);

        var result = await invalidator.InvalidateAsync(key);

        Assert.Equal(3, result.Confirmed);
        Assert.Empty(result.Unreached);
        Assert.Equal([goNode], result.CannotForget);
        Assert.Equal(3, stats.Sent);
        Assert.Equal(1, stats.Failed);
    }
}
