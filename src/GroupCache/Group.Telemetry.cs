using System.Diagnostics;
using GroupCache.Diagnostics;
using GroupCache.Peers;

namespace GroupCache;

public sealed partial class Group
{
    private GroupCacheMetrics _metrics = GroupCacheMetrics.Shared;

    /// <summary>Reports this group through <paramref name="metrics"/> instead of where it reported so far.</summary>
    internal void UseMetrics(GroupCacheMetrics metrics)
    {
        if (ReferenceEquals(metrics, _metrics))
        {
            return;
        }

        metrics.Attach(this);
        _metrics.Detach(this);
        _metrics = metrics;
    }

    /// <summary>The getter's answer, timed and traced when something listens; else the getter's own call.</summary>
    private ValueTask<ByteView> GetFromGetterAsync(string key, CancellationToken cancellationToken)
    {
        if (!_metrics.LoadDuration.Enabled && !GroupCacheTracing.Source.HasListeners())
        {
            return _getter.GetAsync(key, cancellationToken);
        }

        return new ValueTask<ByteView>(GetFromGetterObservedAsync(key, cancellationToken));
    }

    /// <summary>The peer's answer, timed and traced when something listens; else the peer's own call.</summary>
    private ValueTask<PeerResponse> GetFromPeerAsync(IPeerClient peer, string key, CancellationToken cancellationToken)
    {
        if (!_metrics.PeerDuration.Enabled && !GroupCacheTracing.Source.HasListeners())
        {
            return peer.GetAsync(Name, key, cancellationToken);
        }

        return new ValueTask<PeerResponse>(GetFromPeerObservedAsync(peer, key, cancellationToken));
    }

    private async Task<ByteView> GetFromGetterObservedAsync(string key, CancellationToken cancellationToken)
    {
        using var activity = GroupCacheTracing.Source.StartActivity(GroupCacheTracing.LoadSpan, ActivityKind.Internal);
        activity?.SetTag("groupcache.group", Name);
        long started = _metrics.LoadDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        string outcome = Outcome.Error;
        try
        {
            var value = await _getter.GetAsync(key, cancellationToken).ConfigureAwait(false);
            outcome = Outcome.Ok;
            return value;
        }
        catch (Exception ex)
        {
            outcome = Outcome.Of(ex, cancellationToken);
            throw;
        }
        finally
        {
            GroupCacheTracing.SetOutcome(activity, outcome);
            GroupCacheMetrics.Record(_metrics.LoadDuration, started, Name, outcome);
        }
    }

    private async Task<PeerResponse> GetFromPeerObservedAsync(IPeerClient peer, string key, CancellationToken cancellationToken)
    {
        // Current while the peer client sends, which then carries it to the owner in traceparent.
        using var activity = GroupCacheTracing.Source.StartActivity(GroupCacheTracing.PeerGetSpan, ActivityKind.Client);
        activity?.SetTag("groupcache.group", Name);
        activity?.SetTag("groupcache.peer", peer.ToString());
        long started = _metrics.PeerDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        string outcome = Outcome.Error;
        try
        {
            var response = await peer.GetAsync(Name, key, cancellationToken).ConfigureAwait(false);
            outcome = Outcome.Ok;
            return response;
        }
        catch (Exception ex)
        {
            outcome = Outcome.Of(ex, cancellationToken);
            throw;
        }
        finally
        {
            GroupCacheTracing.SetOutcome(activity, outcome);
            GroupCacheMetrics.Record(_metrics.PeerDuration, started, Name, outcome);
        }
    }
}
