using CacheApp.Configuration;
using CacheApp.Discovery;
using CacheApp.Source;
using GroupCache.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CacheApp.Telemetry;

/// <summary>Ready when this node is on the ring it serves from.</summary>
internal sealed class RingReadiness(HttpPool pool, CacheAppSettings settings) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var ring = pool.Peers;
        return Task.FromResult(ring.Contains(settings.SelfGroupCacheAddr, StringComparer.Ordinal)
            ? HealthCheckResult.Healthy($"on a ring of {ring.Count}")
            : HealthCheckResult.Unhealthy("not on the ring"));
    }
}

/// <summary>
/// Ready when the source answered its last health check (which waits at most SOURCE_TIMEOUT) and that
/// check is recent: no older than two check intervals plus the timeout. The check runs in the
/// background (<see cref="SourceHealth"/>), so readiness comes back by itself once the source does.
/// </summary>
internal sealed class SourceReadiness(SourceHealth source, CacheAppSettings settings, TimeProvider time) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var last = source.Last;
        var maxAge = settings.SourceHealthInterval * 2 + settings.SourceTimeout;
        HealthCheckResult result = last switch
        {
            { Healthy: null } => HealthCheckResult.Unhealthy("the source has not been checked yet"),
            { Healthy: false } => HealthCheckResult.Unhealthy("the source failed its last check: " + last.Error),
            _ when time.GetUtcNow() - last.CheckedAt > maxAge => HealthCheckResult.Unhealthy($"the source's last answer is older than {maxAge.TotalSeconds} s"),
            _ => HealthCheckResult.Healthy("the source answered within " + settings.SourceTimeout.TotalSeconds + " s"),
        };
        return Task.FromResult(result);
    }
}

/// <summary>
/// DISCOVERY=kubernetes: not ready until the EndpointSlice list has answered once. Before that the
/// ring is this node alone for want of an answer (RBAC that refuses the list, an API server out of
/// reach), and the node would confirm invalidations it sent to nobody else; a rollout with broken
/// discovery stops at its first pod. The list answers whatever the pods' readiness, so waiting for
/// it cannot keep every pod out.
/// DISCOVERY=dns: degraded (still ready) instead. The headless Service's name lists only ready pods:
/// waiting for it would keep every pod out for good once none is ready (a fresh install, a source
/// outage). Its invalidations answer 503 meanwhile (<see cref="FirstDiscoveryAnswer"/>).
/// </summary>
internal sealed class DiscoveryReadiness(FirstDiscoveryAnswer discovery, CacheAppSettings settings) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        HealthCheckResult result = discovery.NotYet() switch
        {
            null => HealthCheckResult.Healthy("discovery has answered"),
            { } why when settings.Discovery == DiscoveryMode.Dns => HealthCheckResult.Degraded(why + "; ready anyway, as the name lists only ready pods"),
            { } why => HealthCheckResult.Unhealthy(why),
        };
        return Task.FromResult(result);
    }
}
