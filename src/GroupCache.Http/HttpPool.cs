using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using GroupCache.ConsistentHash;
using GroupCache.Peers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GroupCache.Http;

/// <summary>
/// This node's view of the ring (Go's <c>HTTPPool</c>): its own base URL, the peers' base URLs
/// (this node's included) on a consistent-hash ring, and one pooled HTTP client for them all.
/// </summary>
/// <remarks>
/// The ring is exactly the peer list given to <see cref="SetPeers"/>: as in Go, this node is a
/// member only if the list names it. Unlike Go, the list is sorted first, so that nodes given the
/// same peers in a different order still agree (give Go nodes the list sorted ordinally).
/// <see cref="SetPeers"/> builds a new ring and swaps it in whole, so that lookups — one volatile
/// read — never lock and never see half a ring. The pool works by a copy of the options it was
/// built with: later changes to that object have no effect.
/// </remarks>
public sealed partial class HttpPool : IPeerPicker, IDisposable
{
    private readonly HttpPoolOptions _options; // the copy taken at construction, validated: all the pool reads
    private readonly HttpClient? _sharedHttp; // the client over a handler passed in; null: each peer gets a handler of its own
    private readonly TimeoutSources _timeouts;
    private readonly PeerBodyBudget _budget;
    private readonly ConcurrentDictionary<string, HttpPeerClient> _clients = new(StringComparer.Ordinal);
    private readonly Lock _setLock = new(); // serialises SetPeers; readers use _ring without it
    private readonly ILogger _logger;
    private Ring _ring;

    /// <param name="self">This node's base URL, as the other nodes name it.</param>
    /// <param name="options">Null for groupcache's defaults. The pool takes a copy: later changes to this object have no effect.</param>
    /// <param name="handler">The HTTP handler under the client (tests pass fakes); null for a pooled <see cref="SocketsHttpHandler"/>, which the pool owns.</param>
    /// <param name="logger">Where ring changes are logged; null for none.</param>
    public HttpPool(string self, HttpPoolOptions? options = null, HttpMessageHandler? handler = null, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        Self = PeerAddress.Normalize(self);
        _options = options?.Copy() ?? new HttpPoolOptions();
        _options.Validate();
        _sharedHttp = handler is null ? null : new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _timeouts = new TimeoutSources(_options.PeerTimeout);
        _budget = new PeerBodyBudget(_options.BodyBudgetBytes);
        _ring = Ring.Empty;
    }

    /// <summary>This node's canonical base URL.</summary>
    public string Self { get; }

    /// <summary>
    /// A copy of the settings the pool works by (validated), new at each call: the pool does not
    /// follow changes to it, as it does not follow changes to the object it was built with.
    /// </summary>
    public HttpPoolOptions Options => _options.Copy();

    /// <summary>The ring's members: normalised, distinct, sorted ordinally.</summary>
    public IReadOnlyList<string> Peers => Volatile.Read(ref _ring).Peers;

    /// <summary>The clients the pool keeps: one per peer on the ring, and any asked for since the ring last changed.</summary>
    internal int ClientCount => _clients.Count;

    /// <summary>Bytes of peer bodies being read right now, by all clients of the pool.</summary>
    internal long BodyBytesInFlight => _budget.InUse;

    /// <summary>
    /// Raised by <see cref="SetPeers"/> before it swaps in a ring that adds members, with the members
    /// it adds; until the handlers return, the ring in place is the old one, so nothing is routed to
    /// the new members yet. Handlers run on the caller's thread under the pool's ring lock and must
    /// be quick and should not throw: an exception leaves the ring as it was and reaches the caller,
    /// and a peer source (DNS, Kubernetes) does not offer the same set again until it changes.
    /// </summary>
    public event EventHandler<PeersAddingEventArgs>? PeersAdding;

    /// <summary>Replaces the ring with one of <paramref name="peers"/> (normalised, de-duplicated, sorted).</summary>
    /// <exception cref="FormatException">A peer is not an http(s) base URL; the ring is left as it was.</exception>
    public void SetPeers(IEnumerable<string> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        string[] sorted = [.. peers.Select(PeerAddress.Normalize).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var hashRing = new HashRing(_options.Replicas);
        hashRing.Add(sorted);
        lock (_setLock)
        {
            var old = _ring;
            if (PeersAdding is { } adding && sorted.Except(old.Peers, StringComparer.Ordinal).ToArray() is { Length: > 0 } added)
            {
                adding(this, new PeersAddingEventArgs(added));
            }

            var others = sorted.Where(p => p != Self).ToArray();
            var clients = others.ToFrozenDictionary(p => p, ClientFor, StringComparer.Ordinal);
            Volatile.Write(ref _ring, new Ring(hashRing, sorted, clients, [.. others.Select(p => (IPeerClient)clients[p])]));
            if (!old.Peers.SequenceEqual(sorted, StringComparer.Ordinal))
            {
                LogRingChanged(_logger, sorted.Length, string.Join(", ", sorted.Except(old.Peers)), string.Join(", ", old.Peers.Except(sorted)));
            }

            // Forget the clients of peers that left, so that the pool does not grow with every
            // peer it ever had, and close their connections once no request can still use them.
            foreach (string peer in _clients.Keys)
            {
                if (!clients.ContainsKey(peer) && _clients.TryRemove(peer, out var departed))
                {
                    CloseWhenDone(departed);
                }
            }
        }
    }

    /// <summary>The clients of the ring's members other than this node, sorted by address.</summary>
    public IReadOnlyList<IPeerClient> GetAllPeers() => Volatile.Read(ref _ring).Others;

    /// <summary>The base URL of the peer that owns <paramref name="key"/> (maybe <see cref="Self"/>); null when the ring is empty.</summary>
    public string? OwnerOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Volatile.Read(ref _ring).HashRing.Get(key);
    }

    /// <summary>The owner's client when another node owns <paramref name="key"/>; false when this node does or the ring is empty.</summary>
    public bool TryPickPeer(string key, [NotNullWhen(true)] out IPeerClient? peer)
    {
        ArgumentNullException.ThrowIfNull(key);
        var ring = Volatile.Read(ref _ring);
        string? owner = ring.HashRing.Get(key);
        if (owner is not null && ring.Clients.TryGetValue(owner, out var client))
        {
            peer = client;
            return true;
        }

        peer = null;
        return false;
    }

    /// <summary>The client of one peer, whether or not it is on the ring; kept while the peer is on the ring.</summary>
    /// <exception cref="FormatException"><paramref name="peer"/> is not an http(s) base URL.</exception>
    public HttpPeerClient ClientFor(string peer)
    {
        string name = PeerAddress.Normalize(peer);
        return _clients.TryGetValue(name, out var client)
            ? client
            : _clients.GetOrAdd(name, static (n, pool) => new HttpPeerClient(
                n, pool.NewTransport(), pool._options, pool._timeouts, pool._budget), this);
    }

    /// <summary>
    /// Closes a departed peer's client after the peer timeout, which no request to it outlives, so
    /// that requests in flight while the ring changed still complete. With no peer timeout, the
    /// handler's idle timeout closes its connections.
    /// </summary>
    private void CloseWhenDone(HttpPeerClient departed)
    {
        if (_options.PeerTimeout != Timeout.InfiniteTimeSpan)
        {
            _ = Task.Delay(_options.PeerTimeout + TimeSpan.FromSeconds(1))
                .ContinueWith(static (_, client) => ((HttpPeerClient)client!).Close(), departed, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private PeerTransport NewTransport() =>
        _sharedHttp is not null
            ? new PeerTransport(_sharedHttp)
            : new PeerTransport(() => new HttpClient(NewHandler(_options), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan }); // each request times itself, body included

    /// <summary>Closes the pool's connections (those of a handler passed in stay with their owner).</summary>
    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Close();
        }

        _clients.Clear();
        _sharedHttp?.Dispose();
    }

    private static SocketsHttpHandler NewHandler(HttpPoolOptions options) => new()
    {
        ConnectCallback = options.LocalAddress is null ? null : OutgoingConnections.From(options.LocalAddress),

        // Peers talk HTTP/1.1 over kept-alive connections; recycling them now and then lets DNS
        // changes of a peer's name take effect. Idle connections, among them all those to a peer
        // that left the ring, are closed by the handler's own timer after the idle timeout.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
        MaxConnectionsPerServer = 1024,
        ConnectTimeout = options.PeerTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(30) : options.PeerTimeout,
        AllowAutoRedirect = false,

        // An answer left unread (refused, or its framing in doubt) closes its connection rather
        // than being read to its end for the connection's sake.
        MaxResponseDrainSize = 0,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,

        // Peer fetches are the cache's own plumbing, many per user request under load: injecting
        // trace headers into each costs more than the fetch's own work (measured on the peer path).
        // Pass a handler of your own to the pool to trace them.
        ActivityHeadersPropagator = null,
    };

    [LoggerMessage(1101, LogLevel.Information, "Ring changed: {Count} members (added: {Added}; removed: {Removed})")]
    private static partial void LogRingChanged(ILogger logger, int count, string added, string removed);

    private sealed class Ring(HashRing hashRing, string[] peers, FrozenDictionary<string, HttpPeerClient> clients, IPeerClient[] others)
    {
        public static readonly Ring Empty = new(new HashRing(1), [], FrozenDictionary<string, HttpPeerClient>.Empty, []);

        public HashRing HashRing { get; } = hashRing;

        public IReadOnlyList<string> Peers { get; } = Array.AsReadOnly(peers);

        /// <summary>The clients of the members other than this node.</summary>
        public FrozenDictionary<string, HttpPeerClient> Clients { get; } = clients;

        public IReadOnlyList<IPeerClient> Others { get; } = Array.AsReadOnly(others);
    }
}
