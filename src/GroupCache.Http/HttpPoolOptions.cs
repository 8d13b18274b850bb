namespace GroupCache.Http;

/// <summary>Settings of an <see cref="HttpPool"/> and its endpoint; the defaults are golang/groupcache's.</summary>
public sealed class HttpPoolOptions
{
    /// <summary>The path prefix of peer requests, as in groupcache.</summary>
    public const string DefaultBasePath = "/_groupcache/";

    /// <summary>Points per peer on the consistent-hash ring, as in groupcache.</summary>
    public const int DefaultReplicas = 50;

    /// <summary>
    /// The most points per peer on the ring, a hundred times what is used: Go's default is 50, and
    /// public code that sets its own uses tens to about a hundred (go-redis's ring suggests 100).
    /// A peer's share strays from even by about 1/sqrt(replicas), so at 10,000 it is within 1%,
    /// and more buys only memory and time at every ring change (100 members at 10,000 are a
    /// million points, tens of megabytes, rebuilt at each change). It also keeps members ×
    /// replicas far from int overflow, which would take over 200,000 members.
    /// </summary>
    public const int MaxReplicas = 10_000;

    /// <summary>Where peer requests are served; must start and end with '/'.</summary>
    public string BasePath { get; set; } = DefaultBasePath;

    /// <summary>
    /// The largest <see cref="MaxValueBytes"/>: one array must hold a value, its framing and the
    /// byte more that a body's buffer takes, so that the read that finds the end needs no larger one.
    /// </summary>
    public const long MaxValueBytesLimit = 0x7FFFFFC7 - 64 - 1;

    /// <summary>Points per peer on the consistent-hash ring, 1 to <see cref="MaxReplicas"/>; every node must use the same number.</summary>
    public int Replicas { get; set; } = DefaultReplicas;

    /// <summary>The longest a whole peer request (headers and body) may take before it counts as a peer error.</summary>
    public TimeSpan PeerTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Peer answers carrying a larger value are peer errors, so that a broken peer cannot exhaust memory.</summary>
    public long MaxValueBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The most memory the bodies of all peer answers in flight may take together; a fetch whose
    /// body would go over it fails at once and the key is loaded locally. 0 (the default): four
    /// of the largest values, and at least 256 MiB.
    /// </summary>
    internal long MaxBodyBytesInFlight { get; set; }

    /// <summary>
    /// When set, peers must send it in <c>X-GroupCache-Secret</c> or get 401. Null or empty (the
    /// default) turns the check off, as Go nodes cannot send it. Printable ASCII, neither starting
    /// nor ending with a space (a header value loses those on the way).
    /// </summary>
    public string? ClusterSecret { get; set; }

    /// <summary>The local address connections to peers start from, an address of this host; null (the default) lets the system choose.</summary>
    public System.Net.IPAddress? LocalAddress { get; set; }

    /// <summary>
    /// How long a kept-alive connection to a peer may sit unused before it is closed, whether or
    /// not it is ever used again (the connections to a peer that left the ring too). The handler
    /// checks every quarter of it, so connections close within 1.25 times this.
    /// </summary>
    internal TimeSpan PooledConnectionIdleTimeout { get; set; } = DefaultPooledConnectionIdleTimeout;

    /// <summary>Below a minute even with the handler's check interval, and below servers' usual keep-alive timeouts.</summary>
    internal static readonly TimeSpan DefaultPooledConnectionIdleTimeout = TimeSpan.FromSeconds(45);

    /// <summary>The budget of peer bodies in flight in effect (see <see cref="MaxBodyBytesInFlight"/>).</summary>
    internal long BodyBudgetBytes => MaxBodyBytesInFlight > 0 ? MaxBodyBytesInFlight : Math.Max(256L * 1024 * 1024, 4 * (MaxValueBytes + 64));

    /// <summary>
    /// A copy of these settings, for a pool or an endpoint to work by: the object it was given
    /// stays the caller's to change, and such changes must not reach it one setting at a time (a
    /// node that sends one cluster secret and accepts another). A shallow copy, so that a setting
    /// added later is copied too; all are values or immutable but the address, whose scope id can
    /// be set, so it is copied itself.
    /// </summary>
    internal HttpPoolOptions Copy()
    {
        var copy = (HttpPoolOptions)MemberwiseClone();
        if (LocalAddress is { } address)
        {
            copy.LocalAddress = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? new System.Net.IPAddress(address.GetAddressBytes(), address.ScopeId)
                : new System.Net.IPAddress(address.GetAddressBytes());
        }

        return copy;
    }

    /// <summary>Throws when a setting cannot work; called where the options are first used.</summary>
    internal void Validate()
    {
        foreach (var (setting, problem) in FindProblems())
        {
            throw new ArgumentException($"{setting} {problem}", setting);
        }
    }

    /// <summary>
    /// Why <paramref name="secret"/> cannot be a <see cref="ClusterSecret"/> ("may hold only…"), or
    /// null when it can: for a host that reads the secret its own way and names it its own way.
    /// </summary>
    public static string? ClusterSecretProblem(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Any(c => c < 0x20 || c > 0x7E))
        {
            // It travels as a header value: a line break would end the header.
            return "may hold only printable ASCII characters (no line breaks or other control characters).";
        }

        if (secret.Length > 0 && (secret[0] == ' ' || secret[^1] == ' '))
        {
            // Servers strip the spaces around a header value (Kestrel does, as HTTP says they
            // should), so no request would ever present such a secret and every peer request would
            // get 401. Refused rather than trimmed: the other nodes may hold it untrimmed too.
            return "must not start or end with a space: the peer endpoint receives header values without them, so no request could match it.";
        }

        return null;
    }

    /// <summary>
    /// Every setting that cannot work, as (its name, what is allowed and what it is). The one place
    /// of these rules: <see cref="Validate"/> throws on the first, configuration validation reports all.
    /// </summary>
    internal IEnumerable<(string Setting, string Problem)> FindProblems()
    {
        if (string.IsNullOrEmpty(BasePath) || BasePath[0] != '/' || BasePath[^1] != '/')
        {
            yield return (nameof(BasePath), $"must start and end with '/', got '{BasePath}'.");
        }
        else if (BasePath.Any(c => !PeerPath.IsUnreserved(c) && c != '/'))
        {
            // The endpoint compares the raw request target with BasePath, so BasePath must be
            // spelled the same escaped and unescaped.
            yield return (nameof(BasePath), $"may hold only letters, digits, '-', '.', '_', '~' and '/', got '{BasePath}'.");
        }

        if (Replicas <= 0 || Replicas > MaxReplicas)
        {
            yield return (nameof(Replicas), $"must be positive and at most {MaxReplicas}, got {Replicas}.");
        }

        // Above 24 days (int.MaxValue ms, about 24.8) the handler's connect timeout and the timers
        // refuse the value: with discovery, the first ring naming a peer would fail and end it.
        if ((PeerTimeout <= TimeSpan.Zero || PeerTimeout > TimeSpan.FromDays(24)) && PeerTimeout != Timeout.InfiniteTimeSpan)
        {
            yield return (nameof(PeerTimeout), $"must be positive and at most 24 days (or {Timeout.InfiniteTimeSpan} for none), got {PeerTimeout}.");
        }

        if (MaxValueBytes < 0 || MaxValueBytes > MaxValueBytesLimit)
        {
            yield return (nameof(MaxValueBytes), $"must be between 0 and {MaxValueBytesLimit}, got {MaxValueBytes}.");
        }

        if (ClusterSecret is not null && ClusterSecretProblem(ClusterSecret) is { } problem)
        {
            yield return (nameof(ClusterSecret), problem);
        }

        // An address that parses may still not be this host's (a typo, another machine's): every
        // connection to a peer would fail at bind, and with it every peer fetch and removal.
        // Binding a socket to it once (no connection, nothing sent) tells.
        if (LocalAddress is not null && OutgoingConnections.BindProblem(LocalAddress) is { } bindProblem)
        {
            yield return (nameof(LocalAddress), $"must be an IP address of this host, got {LocalAddress}: a socket cannot be bound to it ({bindProblem}).");
        }
    }
}
