namespace GroupCache.Dns;

/// <summary>One usable answer: the peers it names and the shortest TTL among the records used.</summary>
/// <param name="Peers">Base URLs (<c>http://address:port</c>), not yet including this node.</param>
/// <param name="Ttl">The shortest record TTL; null when the answer carried none.</param>
/// <param name="FromSrv">True when SRV records gave the peers.</param>
internal sealed record DnsAnswer(IReadOnlyList<string> Peers, TimeSpan? Ttl, bool FromSrv);

/// <summary>A lookup that gave nothing usable: an error response, a timeout, or no records.</summary>
internal sealed class DnsLookupException(string message, Exception? inner = null) : Exception(message, inner);
