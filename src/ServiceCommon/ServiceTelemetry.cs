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
    /// (docs/BENCHMARKS.md). Our widest metric, requests by route, method and status, stays far below
    /// it, and no tag names a peer (see <see cref="HttpClientTagKeys"/>); series beyond it would be
    /// counted in OpenTelemetry's overflow series (otel.metric.overflow), not dropped.
    /// </summary>
    public const int CardinalityLimit = 256;

    /// <summary>
    /// The tags kept on HttpClient's and name resolution's metrics. Left out: the server's address
    /// and port, the connection's peer address and the name looked up. A node's HttpClient talks to
    /// every peer, so those tags made series per member (four per member for open connections alone):
    /// at about 64 members they filled <see cref="CardinalityLimit"/>, and as a cumulative series is
    /// never reclaimed, members that left kept their slots while every new one went to the overflow
    /// series. Which peer is slow is what <c>groupcache.peer.get</c> spans tell.
    /// </summary>
    public static readonly string[] HttpClientTagKeys =
        ["http.request.method", "http.response.status_code", "error.type", "url.scheme", "network.protocol.version", "http.connection.state"];

    public static IServiceCollection AddServiceTelemetry(
        this IServiceCollection services, string serviceName, string[] meters, string[] activitySources, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(meters)
                .AddView(instrument => instrument.Meter.Name is "System.Net.Http" or "System.Net.NameResolution"
                    ? new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit, TagKeys = HttpClientTagKeys }
                    : new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit })
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
