using System.Runtime.CompilerServices;
using GroupCache.Http;
using Microsoft.Extensions.Logging;

namespace GroupCache.Dns;

/// <summary>
/// The ring from DNS: resolves <see cref="DnsDiscoveryOptions.Name"/> every
/// <see cref="DnsDiscoveryOptions.Interval"/> (sooner when the records' TTL is shorter) and yields
/// the peer set each time it changes, this node always on it. A failed or empty answer keeps the
/// last good ring, so that a DNS outage never empties it; the outage is logged once and counted.
/// An answer that lists this node again after one that did not raises <see cref="SelfRelisted"/>.
/// Register it with <c>AddDnsDiscovery</c>.
/// </summary>
public sealed partial class DnsPeerSource : IPeerSource, IDiscoveryStatus, ISelfRelistingSource
{
    /// <summary>However short the records' TTL, the name is not asked more than once a second.</summary>
    internal static readonly TimeSpan ShortestDelay = TimeSpan.FromSeconds(1);

    private readonly DnsPeerLookup _lookup;
    private readonly string _self;
    private readonly string _name;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SelfListing _selfListing = new();
    private DiscoverySnapshot _snapshot;
    private bool _lastWasSrv;
    private int _failuresInOutage;

    internal DnsPeerSource(DnsDiscoveryOptions options, string self, TimeProvider time, ILogger logger)
    {
        _self = PeerAddress.Normalize(self);
        var selfUri = new Uri(_self);
        _name = options.Name!;
        _interval = options.Interval;
        _lookup = new DnsPeerLookup(options, selfUri.Scheme, options.Port ?? selfUri.Port);
        _time = time;
        _logger = logger;
        _snapshot = new DiscoverySnapshot("dns", null, null, null, 0, 0, [_self]);
    }

    /// <inheritdoc/>
    public event EventHandler? SelfRelisted;

    /// <inheritdoc/>
    public DiscoverySnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>
    /// This node alone first (it serves its own keys before DNS lists it), then each changed set DNS
    /// gives, until <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyCollection<string>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        IReadOnlyList<string> current = [_self];
        yield return current;
        while (!cancellationToken.IsCancellationRequested)
        {
            var refresh = await RefreshAsync(cancellationToken).ConfigureAwait(false);
            if (refresh.Peers is { } peers && !peers.SequenceEqual(current, StringComparer.Ordinal))
            {
                current = peers;
                LogRingChanged(_logger, _name, peers.Count, string.Join(", ", peers));
                yield return current;
            }

            if (!await DelayAsync(refresh.NextDelay, cancellationToken).ConfigureAwait(false))
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// One resolution: the peer set (sorted, this node included) when the answer is usable, null when
    /// the last good set stays; and how long to wait before the next. A usable answer that lists this
    /// node again after one that did not raises <see cref="SelfRelisted"/> before it returns.
    /// </summary>
    internal async Task<DnsRefresh> RefreshAsync(CancellationToken cancellationToken)
    {
        DnsAnswer answer;
        try
        {
            answer = await _lookup.LookupAsync(_lastWasSrv, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new DnsRefresh(null, _interval);
        }
        catch (Exception ex)
        {
            // DnsLookupException for a bad answer; anything else DnsClient throws is an outage too.
            Failed(ex.Message);
            return new DnsRefresh(null, _interval);
        }

        var peers = answer.Peers.Append(_self).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        Succeeded(peers, answer.FromSrv);
        if (_selfListing.Observe(answer.Peers.Contains(_self, StringComparer.Ordinal)))
        {
            LogSelfRelisted(_logger, _name, _self);
            if (SelfListing.Raise(SelfRelisted, this) is { } failure)
            {
                LogSelfRelistedHandlerFailed(_logger, failure);
            }
        }

        return new DnsRefresh(peers, NextDelay(answer.Ttl));
    }

    /// <summary>The interval, or the TTL when that is shorter (but never under <see cref="ShortestDelay"/>).</summary>
    internal TimeSpan NextDelay(TimeSpan? ttl)
    {
        if (ttl is not { } t || t >= _interval)
        {
            return _interval;
        }

        return t > ShortestDelay ? t : (ShortestDelay < _interval ? ShortestDelay : _interval);
    }

    private void Succeeded(IReadOnlyList<string> peers, bool fromSrv)
    {
        int failures;
        lock (_gate)
        {
            _lastWasSrv = fromSrv;
            failures = _failuresInOutage;
            _failuresInOutage = 0;
            var last = _snapshot;
            Volatile.Write(ref _snapshot, last with
            {
                LastRefresh = _time.GetUtcNow(),
                LastError = null,
                Refreshes = last.Refreshes + 1,
                Peers = peers,
            });
        }

        if (failures > 0)
        {
            LogRecovered(_logger, _name, failures);
        }
    }

    private void Failed(string error)
    {
        bool first;
        int ringSize;
        lock (_gate)
        {
            first = _failuresInOutage++ == 0;
            var last = _snapshot;
            ringSize = last.Peers.Count;
            Volatile.Write(ref _snapshot, last with
            {
                LastError = error,
                LastErrorAt = _time.GetUtcNow(),
                Failures = last.Failures + 1,
            });
        }

        // Once per outage: a DNS server down for an hour must not write a warning every interval.
        if (first)
        {
            LogOutage(_logger, _name, ringSize, error);
        }
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(1201, LogLevel.Information, "DNS discovery of {Name}: the ring is now {Count} peers: {Peers}")]
    private static partial void LogRingChanged(ILogger logger, string name, int count, string peers);

    [LoggerMessage(1202, LogLevel.Warning, "DNS discovery of {Name} failed; the ring keeps its last {Count} peers until DNS answers again: {Error}")]
    private static partial void LogOutage(ILogger logger, string name, int count, string error);

    [LoggerMessage(1203, LogLevel.Information, "DNS discovery of {Name} answers again, after {Failures} failed attempts")]
    private static partial void LogRecovered(ILogger logger, string name, int failures);

    [LoggerMessage(1204, LogLevel.Information, "DNS discovery of {Name} lists this node ({Self}) again after an answer without it")]
    private static partial void LogSelfRelisted(ILogger logger, string name, string self);

    [LoggerMessage(1205, LogLevel.Error, "A handler of SelfRelisted failed; DNS discovery goes on")]
    private static partial void LogSelfRelistedHandlerFailed(ILogger logger, Exception exception);
}

/// <summary>What one resolution gave: the new peer set (null: keep the last) and when to ask again.</summary>
internal readonly record struct DnsRefresh(IReadOnlyList<string>? Peers, TimeSpan NextDelay);
