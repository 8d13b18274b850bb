using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServiceCommon;
using SourceApp.Storage;

namespace SourceApp.Telemetry;

/// <summary>Metrics and health for the source: <c>/metrics</c>, <c>/health/live</c> and <c>/health/ready</c>.</summary>
public static class SourceTelemetry
{
    public static IServiceCollection AddSourceTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<SourceMetrics>();
        services.AddServiceTelemetry("sourceapp", [SourceMetrics.MeterName], fewSeriesMeters: [SourceMetrics.MeterName], [], Environment.GetEnvironmentVariable);
        services.AddLiveAndReadyChecks().AddCheck<DatabaseReadiness>("database", tags: [HealthEndpoints.ReadyTag]);
        return services;
    }

    public static WebApplication MapHealthAndMetrics(this WebApplication app)
    {
        _ = app.Services.GetRequiredService<SourceMetrics>(); // its instruments exist from the start
        app.MapMetrics();
        app.MapLiveAndReady();
        return app;
    }
}

/// <summary>Ready when the database opens and answers a real read of the records table.</summary>
internal sealed class DatabaseReadiness(IRecordStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy("the database answers");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The exception stays out of the body (it may name paths); the log has it through /health.
            return HealthCheckResult.Unhealthy("the database cannot be read");
        }
    }
}
