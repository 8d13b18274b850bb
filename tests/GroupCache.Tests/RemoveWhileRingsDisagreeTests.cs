using System.Diagnostics.CodeAnalysis;
using GroupCache.Peers;

namespace GroupCache.Tests;

/// <summary>
/// <see cref="Group.RemoveAsync"/> while the members' rings disagree about a key's owner: no node
/// may keep (or pass on) a hot copy of the old value once the removal has returned.
/// </summary>
public class RemoveWhileRingsDisagreeTests
{
    private const string Key = "k";

    /// <summary>Another group in this process as a peer, reached without HTTP; removals can be held at a gate.</summary>
    private sealed class InProcessPeer(string name) : IPeerClient
    {
        private int _removals;

        public Group? Target { get; set; }

        /// <summary>Holds the removal with this number (1 = the first) until released.</summary>
        public (int Number, TaskCompletionSource Reached, TaskCompletionSource Release)? Gate { get; set; }

        /// <summary>Holds the next answer, once the target has given it, until released: an answer slow on the wire.</summary>
        public (TaskCompletionSource Reached, TaskCompletionSource Release)? AnswerHold { get; set; }

        public int Removals => Volatile.Read(ref _removals);

        public async ValueTask<PeerResponse> GetAsync(string group, string key, CancellationToken cancellationToken)
        {
            var answer = await Target!.GetForPeerAsync(key, cancellationToken);
            if (AnswerHold is { } hold)
            {
                AnswerHold = null;
                hold.Reached.SetResult();
                await hold.Release.Task;
            }

            return answer;
        }

        public async Task<bool> RemoveAsync(string group, string key, CancellationToken cancellationToken)
        {
            int number = Interlocked.Increment(ref _removals);
            if (Gate is { } gate && gate.Number == number)
            {
                gate.Reached.SetResult();
                await gate.Release.Task;
            }

            Target!.Remove(key);
            return true;
        }

        public override string ToString() => name;
    }

    /// <summary>One node's ring: the owner of <see cref="Key"/> (null: this node) and its peers.</summary>
    private sealed class Ring(IPeerClient? owner, params IPeerClient[] peers) : IPeerPicker
    {
        public IPeerClient? Owner { get; set; } = owner;

        public bool TryPickPeer(string key, [NotNullWhen(true)] out IPeerClient? peer)
        {
            peer = Owner;
            return peer is not null;
        }

        public IReadOnlyList<IPeerClient> GetAllPeers() => peers;
    }

    /// <summary>
    /// Three nodes: the caller X, A and B. X's ring names A as the owner; A's and B's name B (X has
    /// not heard yet that B joined ahead of A, say). Every peer load is mirrored in the hot cache.
    /// </summary>
    private sealed class Cluster
    {
        public string Version = "old";

        public Cluster()
        {
            var getter = new CountingGetter { Value = key => ByteView.FromString(Version + ":" + key) };
            Group New(IPeerPicker ring) => new("g", 1 << 20, getter, ring, new GroupOptions { Random = new FixedRandom(0) });

            X = New(new Ring(ToA, ToA, ToB));
            A = New(new Ring(AToB, new InProcessPeer("x"), AToB));
            B = New(new Ring(null, new InProcessPeer("x"), new InProcessPeer("a")));
            ToA.Target = A;
            ToB.Target = B;
            AToB.Target = B;
        }

        public InProcessPeer ToA { get; } = new("a");

        public InProcessPeer ToB { get; } = new("b");

        public InProcessPeer AToB { get; } = new("b");

        public Group X { get; }

        public Group A { get; }

        public Group B { get; }

        public static async Task<string> Read(Group node) => (await node.GetAsync(Key)).ToString();
    }

    private static (int, TaskCompletionSource, TaskCompletionSource) GateOn(int removal) =>
        (removal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    [Fact]
    public async Task RemoveAsync_NodeMirrorsTheOldValueFromItsOwnerBeforeThatOwnerForgot_ForgetsTheMirrorToo()
    {
        var cluster = new Cluster();
        Assert.Equal("old:k", await Cluster.Read(cluster.B)); // B, the owner in A's ring, caches it
        cluster.Version = "new";
        var gate = GateOn(1);
        cluster.ToB.Gate = gate;

        var removal = cluster.X.RemoveAsync(Key);
        await gate.Item2.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // A has forgotten the key (X asks A and B at once), B not yet: A asks B and mirrors the old value.
        Assert.Equal(1, cluster.ToA.Removals);
        Assert.Equal("old:k", await Cluster.Read(cluster.A));
        Assert.Equal(1, cluster.A.GetCacheStats(CacheType.Hot).Items);
        gate.Item3.SetResult();
        var result = await removal.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.Complete);
        Assert.Equal(3, result.Confirmed);
        Assert.Equal("new:k", await Cluster.Read(cluster.A));
        Assert.Equal("new:k", await Cluster.Read(cluster.X));
        Assert.Equal("new:k", await Cluster.Read(cluster.B));
    }

    [Fact]
    public async Task RemoveAsync_PeerAsksANodeHoldingAnOldMirror_IsAnsweredFromTheSourceNotTheMirror()
    {
        var cluster = new Cluster();
        Assert.Equal("old:k", await Cluster.Read(cluster.B));
        cluster.Version = "new";
        var bFirst = GateOn(1);
        var aSecond = GateOn(2);
        cluster.ToB.Gate = bFirst;
        cluster.ToA.Gate = aSecond;

        var removal = cluster.X.RemoveAsync(Key);
        await bFirst.Item2.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("old:k", await Cluster.Read(cluster.A)); // A's old mirror, as in the test above
        bFirst.Item3.SetResult();

        // The second pass: X has forgotten the key again, A's removal is held. X's ring sends X's
        // reader to A, which must not hand over its mirror (X would keep it past the removal).
        await aSecond.Item2.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, cluster.A.GetCacheStats(CacheType.Hot).Items);
        Assert.Equal("new:k", await Cluster.Read(cluster.X));
        aSecond.Item3.SetResult();
        await removal.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("new:k", await Cluster.Read(cluster.X));
        Assert.Equal("new:k", await Cluster.Read(cluster.A));
    }

    [Fact]
    public async Task RemoveAsync_PeerRequestJoinsAFlightStartedBeforeTheRingNamedThisNodeOwner_IsNotGivenWhatThatFlightRelayed()
    {
        // Four nodes, each with its own view: X (the caller) says A owns the key, A says B, B says D
        // (until it hears that it owns the key itself), D owns it and caches the old value.
        string version = "old";
        var getter = new CountingGetter { Value = key => ByteView.FromString(version + ":" + key) };
        Group New(IPeerPicker ring) => new("g", 1 << 20, getter, ring, new GroupOptions { Random = new FixedRandom(0) });
        InProcessPeer xToA = new("a"), xToB = new("b"), xToD = new("d"), aToB = new("b"), bToD = new("d");
        var bRing = new Ring(bToD, bToD);
        var x = New(new Ring(xToA, xToA, xToB, xToD));
        var a = New(new Ring(aToB, aToB));
        var b = New(bRing);
        var d = New(new Ring(null));
        (xToA.Target, xToB.Target, xToD.Target, aToB.Target, bToD.Target) = (a, b, d, b, d);
        Assert.Equal("old:k", (await d.GetAsync(Key)).ToString());
        version = "new";
        var dFirst = GateOn(1);
        var bSecond = GateOn(2);
        xToD.Gate = dFirst;
        xToB.Gate = bSecond;

        var removal = x.RemoveAsync(Key);
        await dFirst.Item2.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // B reads through D, which has not forgotten yet; D's answer is slow on the wire.
        var answerHold = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        bToD.AnswerHold = answerHold;
        var bRead = b.GetAsync(Key).AsTask();
        await answerHold.Item1.Task.WaitAsync(TimeSpan.FromSeconds(10));
        dFirst.Item3.SetResult();
        await bSecond.Item2.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the second pass has reached A, not B

        // B now owns the key in its ring too; A asks it, and the request finds B's flight through D.
        bRing.Owner = null;
        var aRead = a.GetAsync(Key).AsTask();
        answerHold.Item2.SetResult();
        await Task.WhenAll(aRead, bRead).WaitAsync(TimeSpan.FromSeconds(10));
        bSecond.Item3.SetResult();
        var result = await removal.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.Complete);
        Assert.Equal("new:k", (await a.GetAsync(Key)).ToString());
        Assert.Equal("new:k", (await b.GetAsync(Key)).ToString());
    }

    [Fact]
    public async Task RemoveAsync_PeerFailsTheFirstPass_IsNotAskedAgainAndIsReportedUnreached()
    {
        var down = new FakePeer { Fail = true };
        var up = new FakePeer();
        var group = new Group("g", 1 << 20, new CountingGetter(), new Ring(down, down, up));

        var result = await group.RemoveAsync(Key);

        Assert.Equal(1, down.Removes);
        Assert.Equal(2, up.Removes); // both passes
        Assert.Equal(3, result.Asked);
        Assert.Equal(2, result.Confirmed);
        Assert.Single(result.Unreached);
    }
}
