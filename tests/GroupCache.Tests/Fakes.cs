using System.Diagnostics.CodeAnalysis;
using GroupCache.Peers;

namespace GroupCache.Tests;

/// <summary>A getter that counts its loads and can be held at a gate or made to fail.</summary>
internal sealed class CountingGetter : IGetter
{
    private int _loads;

    public Func<string, ByteView> Value { get; set; } = key => ByteView.FromString("local:" + key);

    public Task? Gate { get; set; }

    public Exception? Fail { get; set; }

    public int Loads => Volatile.Read(ref _loads);

    public async ValueTask<ByteView> GetAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _loads);

        // Decide the answer when the load starts, as a source would read it then.
        var value = Value(key);
        var fail = Fail;
        if (Gate is not null)
        {
            await Gate;
        }

        if (fail is not null)
        {
            throw fail;
        }

        return value;
    }
}

/// <summary>A peer that answers from a formula, counts its hits, and can fail or say "not found".</summary>
internal sealed class FakePeer : IPeerClient
{
    private int _hits;

    private int _removes;

    public int Hits => Volatile.Read(ref _hits);

    public int Removes => Volatile.Read(ref _removes);

    public bool Fail { get; set; }

    public bool NotFound { get; set; }

    public long ExpiresAt { get; set; }

    public Func<string, string> Value { get; set; } = key => "peer:" + key;

    public ValueTask<PeerResponse> GetAsync(string group, string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _hits);
        if (Fail)
        {
            throw new HttpRequestException("peer down");
        }

        if (NotFound)
        {
            throw new NotFoundException("no such key at the owner");
        }

        return ValueTask.FromResult(new PeerResponse(ByteView.FromString(Value(key)), ExpiresAt));
    }

    public Task<bool> RemoveAsync(string group, string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _removes);
        return Task.FromResult(!Fail);
    }
}

/// <summary>Names <see cref="Peer"/> as the owner of the keys <see cref="OwnedByPeer"/> accepts; this node owns the rest.</summary>
internal sealed class FakePicker(FakePeer peer, Func<string, bool> ownedByPeer) : IPeerPicker
{
    public FakePeer Peer { get; } = peer;

    public Func<string, bool> OwnedByPeer { get; set; } = ownedByPeer;

    public bool TryPickPeer(string key, [NotNullWhen(true)] out IPeerClient? peer)
    {
        peer = OwnedByPeer(key) ? Peer : null;
        return peer is not null;
    }

    public IReadOnlyList<IPeerClient> GetAllPeers() => [Peer];
}

/// <summary>A random source that always draws the same number, to decide hot-cache population in tests.</summary>
internal sealed class FixedRandom(int value) : Random
{
    public override int Next(int maxValue) => value;
}

/// <summary>A clock that moves only when told; its wall clock can also be set apart (<see cref="StepWallClock"/>).</summary>
internal sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _elapsedTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override DateTimeOffset GetUtcNow() => _now;

    public override long GetTimestamp() => _elapsedTicks;

    public void Advance(TimeSpan by)
    {
        _now += by;
        _elapsedTicks += by.Ticks;
    }

    /// <summary>The wall clock jumps (an NTP step after a resume); elapsed time does not move.</summary>
    public void StepWallClock(TimeSpan by) => _now += by;
}

/// <summary>
/// Memory that claims any length and holds nothing: a value "near the maximum array size" without
/// allocating it. Only its length may be asked for; reading it throws.
/// </summary>
internal sealed class ClaimedMemory : System.Buffers.MemoryManager<byte>
{
    public static ByteView OfLength(int length) => new(new ClaimedMemory().CreateMemory(length));

    public override Span<byte> GetSpan() => throw new InvalidOperationException("A claimed length only: nothing to read.");

    public override System.Buffers.MemoryHandle Pin(int elementIndex = 0) => throw new InvalidOperationException("A claimed length only: nothing to pin.");

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}

/// <summary>A peer that never answers on its own and shows the token it was given.</summary>
internal sealed class TokenWatchingPeer : IPeerClient
{
    public TaskCompletionSource<CancellationToken> Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask<PeerResponse> GetAsync(string group, string key, CancellationToken cancellationToken)
    {
        Seen.TrySetResult(cancellationToken);
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }

    public Task<bool> RemoveAsync(string group, string key, CancellationToken cancellationToken) => Task.FromResult(true);
}

/// <summary>Names one peer as the owner of every key.</summary>
internal sealed class OnePeerPicker(IPeerClient peer) : IPeerPicker
{
    public bool TryPickPeer(string key, [NotNullWhen(true)] out IPeerClient? owner)
    {
        owner = peer;
        return true;
    }

    public IReadOnlyList<IPeerClient> GetAllPeers() => [peer];
}
