using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ServiceCommon;

/// <summary>
/// OpenTelemetry for a service: its own meters, ASP.NET Core, HttpClient, runtime and process
/// metrics, all served at <c>GET /metrics</c> in Prometheus' text format; and, only when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, traces of the given sources and an OTLP export of
/// both. Without an OTLP endpoint nothing traces, so no request pays for spans nobody reads.
/// </summary>
public static class ServiceTelemetry
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The most series one metric keeps. OpenTelemetry's default, 2,000, preallocates that many data
    /// points for every instrument when it is published: 4.4 MB of the Native AOT build's idle memory
    /// (docs/BENCHMARKS.md). Our widest metrics (requests by route, method and status; peer fetches by
    /// peer, up to a few hundred peers) stay below this; series beyond it are counted in
    /// OpenTelemetry's overflow series (otel.metric.overflow), not dropped.
    /// </summary>
    public const int CardinalityLimit = 256;

    public static IServiceCollection AddServiceTelemetry(
        this IServiceCollection services, string serviceName, string[] meters, string[] activitySources, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(meters)
                .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit })
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddProcessInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrEmpty(environment(OtlpEndpointVariable)))
        {
            // The exporter reads the endpoint, protocol and headers from the standard OTEL_* variables.
            telemetry
                .WithTracing(tracing => tracing
                    .AddSource(activitySources)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }

        return services;
    }

    /// <summary><c>GET /metrics</c>: every metric above in Prometheus' text format.</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath);
        return endpoints;
    }
}
