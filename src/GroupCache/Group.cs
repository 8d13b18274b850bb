using System.Buffers;
using System.Runtime.CompilerServices;
using GroupCache.Logging;
using GroupCache.Lru;
using GroupCache.Peers;
using GroupCache.SingleFlight;

namespace GroupCache;

/// <summary>
/// A named, distributed read-through cache. A get is answered from this node's caches, else by the
/// peer that owns the key, else (this node owns it, or the owner failed) by the group's getter —
/// and however many callers miss at once, each key is loaded once.
/// </summary>
public sealed partial class Group
{
    // U+D800 to U+DFFF. A SearchValues rather than IndexOfAnyInRange: the latter allocated on every
    // call until the JIT tiered it up, which made a cache hit allocate.
    private static readonly SearchValues<char> Surrogates = SearchValues.Create(string.Create(0x800, 0, static (chars, _) =>
    {
        for (int i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)(0xD800 + i);
        }
    }));

    private readonly IGetter _getter;
    private readonly IPeerPicker _peers;
    private readonly GroupOptions _options;
    private readonly ConcurrentLru _main;
    private readonly ConcurrentLru _hot;
    private readonly GroupLog _log;
    private readonly FlightGroup<Loaded> _flight = new();

    // Loads of keys a peer asked for although this node's ring names another owner: they run in
    // their own flights so that they never join (and wait behind) a flight that forwards the key.
    private readonly FlightGroup<Loaded> _servedFlight = new();

    /// <summary>Pause points for tests; null (one check on a miss or a remove) in production.</summary>
    internal GroupTestHooks? TestHooks { get; set; }

    /// <summary>The main cache; for tests.</summary>
    internal ConcurrentLru MainCache => _main;

    /// <param name="name">The group's name, as peers address it.</param>
    /// <param name="cacheBytes">The budget for the main and hot caches together; 0 caches nothing. A value whose key and value weigh more is returned but not cached.</param>
    /// <param name="getter">Loads keys that no cache holds.</param>
    /// <param name="peers">Names each key's owner; null for a node on its own.</param>
    /// <param name="options">Null for groupcache's defaults. The group keeps a copy: later changes to the object do not reach it.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (see <see cref="GroupOptions.Validate"/>).</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or holds a lone surrogate.</exception>
    public Group(string name, long cacheBytes, IGetter getter, IPeerPicker? peers = null, GroupOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);

        // The name travels in every peer URL as UTF-8, as keys do: with a lone surrogate it would be
        // another group's name there.
        if (name.AsSpan().IndexOfAny(Surrogates) is var firstSurrogate and >= 0)
        {
            ThrowIfLoneSurrogate(name, firstSurrogate, "group name", nameof(name));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(cacheBytes);
        ArgumentNullException.ThrowIfNull(getter);
        Name = name;
        CacheBytes = cacheBytes;
        _getter = getter;
        _peers = peers ?? NoPeers.Instance;
        // A copy: the group reads its settings on every load, and a caller who goes on to change
        // (or reuse) the object it passed must change neither this group nor what was validated.
        _options = options?.Copy() ?? new GroupOptions();
        _options.Validate();
        _log = new GroupLog(_options.Logger, _options.TimeProvider);
        _main = new ConcurrentLru(_options.TimeProvider);
        _hot = new ConcurrentLru(_options.TimeProvider);
        _metrics.Attach(this); // the shared meter until a registry with a meter factory takes the group
    }

    /// <summary>The group's name, as peers address it.</summary>
    public string Name { get; }

    /// <summary>The byte budget shared by the main and hot caches.</summary>
    public long CacheBytes { get; }

    /// <summary>How long a loaded value lives; zero is forever.</summary>
    public TimeSpan Ttl => _options.Ttl;

    /// <summary>The group's counters.</summary>
    public GroupStats Stats { get; } = new();

    /// <summary>The counters of the main or the hot cache.</summary>
    public CacheStats GetCacheStats(CacheType which) => (which == CacheType.Hot ? _hot : _main).Stats();

    /// <summary>The value of <paramref name="key"/>: from a cache, the owner peer, or the getter.</summary>
    /// <exception cref="NotFoundException">The source has no such key.</exception>
    /// <exception cref="ArgumentException"><paramref name="key"/> holds a lone surrogate: keys must be well-formed UTF-16, as peers get them in UTF-8.</exception>
    public ValueTask<ByteView> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (TryLookupCache(key, out var value, out _))
        {
            Interlocked.Increment(ref Stats._gets);
            Interlocked.Increment(ref Stats._cacheHits);
            return new ValueTask<ByteView>(value);
        }

        // On a miss only: a key that is not one is refused before any load, so it is never cached,
        // and hits do not pay for the scan. (Such a key never hits: the caches compare keys by their
        // strict UTF-8, which it has not, so it cannot hit its U+FFFD twin either.)
        ThrowIfNotKey(key);
        Interlocked.Increment(ref Stats._gets);
        return new ValueTask<ByteView>(LoadValueAsync(key, cancellationToken));
    }

    /// <summary>
    /// Answers a peer: like <see cref="GetAsync"/>, but never asks a third node, so that two nodes
    /// whose rings briefly disagree cannot bounce a request between them, and never answers from
    /// the hot cache or with a value another node gave, so that a copy of an old value cannot spread
    /// from mirror to mirror while a removal runs (see <see cref="RemoveAsync"/>). Returns the
    /// expiry too.
    /// </summary>
    public ValueTask<PeerResponse> GetForPeerAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (TryLookupMain(key, out var value, out long expiresAt))
        {
            Interlocked.Increment(ref Stats._serverRequests);
            Interlocked.Increment(ref Stats._gets);
            Interlocked.Increment(ref Stats._cacheHits);
            return new ValueTask<PeerResponse>(new PeerResponse(value, expiresAt));
        }

        ThrowIfNotKey(key); // on a miss only, as in GetAsync
        Interlocked.Increment(ref Stats._serverRequests);
        Interlocked.Increment(ref Stats._gets);
        return new ValueTask<PeerResponse>(LoadForPeerAsync(key, cancellationToken));
    }

    /// <summary>
    /// Throws unless <paramref name="key"/> can be a key: not null, and well-formed UTF-16, without a
    /// lone surrogate. Keys are hashed onto the ring and sent to peers as UTF-8, which has no form
    /// for a lone surrogate: it would become U+FFFD, so the owner would load another key and this
    /// node would return (and cache) that key's value. Refused here, a key fails the same way
    /// whichever node owns it.
    /// </summary>
    private static void ThrowIfNotKey(string key, [CallerArgumentExpression(nameof(key))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);

        // Keys without surrogates, nearly all, cost one vectorized scan.
        int first = key.AsSpan().IndexOfAny(Surrogates);
        if (first >= 0)
        {
            ThrowIfLoneSurrogate(key, first, "key", paramName);
        }
    }

    private static void ThrowIfLoneSurrogate(string text, int first, string what, string? paramName)
    {
        for (int i = first; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                throw new ArgumentException($"The {what} holds a lone surrogate (U+{(int)text[i]:X4} at index {i}); it must be well-formed UTF-16, as it travels to peers as UTF-8.", paramName);
            }
        }
    }

    private bool TryLookupCache(string key, out ByteView value, out long expiresAt) =>
        TryLookupMain(key, out value, out expiresAt) || TryLookupHot(key, out value, out expiresAt);

    private bool TryLookupMain(string key, out ByteView value, out long expiresAt) => TryLookup(_main, key, out value, out expiresAt);

    private bool TryLookupHot(string key, out ByteView value, out long expiresAt) => TryLookup(_hot, key, out value, out expiresAt);

    private bool TryLookup(ConcurrentLru cache, string key, out ByteView value, out long expiresAt)
    {
        if (CacheBytes <= 0)
        {
            value = default;
            expiresAt = 0;
            return false;
        }

        return cache.TryGet(key, out value, out expiresAt);
    }

    private async Task<ByteView> LoadValueAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Stats._loads);
        if (TestHooks?.BeforeFlight is { } beforeFlight)
        {
            await beforeFlight(key).ConfigureAwait(false);
        }

        var loaded = await _flight.DoAsync(key, abandoned => LoadOnceAsync(key, forward: true, abandoned), cancellationToken).ConfigureAwait(false);
        return loaded.Value;
    }

    private async Task<PeerResponse> LoadForPeerAsync(string key, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Stats._loads);
        if (TestHooks?.BeforeFlight is { } beforeFlight)
        {
            await beforeFlight(key).ConfigureAwait(false);
        }

        // When this node owns the key, the request joins the ordinary flight (which loads locally),
        // so that a key is loaded once however its requests arrive.
        bool ownedHere = !_peers.TryPickPeer(key, out _);
        var flight = ownedHere ? _flight : _servedFlight;
        var loaded = await flight.DoAsync(key, abandoned => LoadOnceAsync(key, forward: false, abandoned), cancellationToken).ConfigureAwait(false);
        if (loaded.Relayed)
        {
            // The flight joined started before this node's ring named it the owner: it asked the
            // previous owner or found a hot copy, which a peer must never be given (see
            // GetForPeerAsync). Load it here instead.
            loaded = await _servedFlight.DoAsync(key, abandoned => LoadOnceAsync(key, forward: false, abandoned), cancellationToken).ConfigureAwait(false);
        }

        return new PeerResponse(loaded.Value, loaded.ExpiresAt);
    }

    /// <summary>
    /// A value with the Unix-nanosecond time it expires (0: never), and whether it came from another
    /// node (its answer, or this node's hot copy of one) rather than this node's main cache or getter.
    /// </summary>
    private readonly record struct Loaded(ByteView Value, long ExpiresAt, bool Relayed);
}
