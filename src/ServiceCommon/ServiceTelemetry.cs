using System.Diagnostics.Metrics;
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
    /// The most series a metric keeps whose tags take a few known values: the runtime's (GC
    /// generation, CPU mode; exception types are the widest), the process's, Kestrel's by endpoint,
    /// name resolution's (by error only) and the meters a service names as such. Each series costs
    /// its preallocated data point, so <see cref="CardinalityLimit"/> for all of them held about
    /// 0.8 MB of a node's idle heap for series that never come (docs/BENCHMARKS.md).
    /// </summary>
    public const int FewSeriesCardinalityLimit = 64;

    /// <summary>The platform's meters whose every instrument has few series (see <see cref="FewSeriesCardinalityLimit"/>).</summary>
    private static readonly string[] FewSeriesMeters =
        ["System.Runtime", "OpenTelemetry.Instrumentation.Process", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.MemoryPool", "System.Net.NameResolution"];

    /// <summary>Kestrel's one instrument with a wide tag: connections by the reason they ended (error.type), per endpoint.</summary>
    private const string KestrelConnectionDuration = "kestrel.connection.duration";

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

    /// <param name="meters">The service's own meters.</param>
    /// <param name="fewSeriesMeters">Those of <paramref name="meters"/> whose tags take a few known values.</param>
    public static IServiceCollection AddServiceTelemetry(
        this IServiceCollection services, string serviceName, string[] meters, string[] fewSeriesMeters, string[] activitySources, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var fewSeries = new HashSet<string>(fewSeriesMeters, StringComparer.Ordinal);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(meters)
                .AddView(instrument => StreamOf(instrument, fewSeries))
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

    /// <summary>
    /// How many series the metric of <paramref name="instrument"/> keeps, and for HttpClient and name
    /// resolution, which tags. <paramref name="fewSeriesMeters"/>: the service's meters with few series.
    /// </summary>
    internal static MetricStreamConfiguration StreamOf(Instrument instrument, IReadOnlySet<string> fewSeriesMeters)
    {
        string meter = instrument.Meter.Name;
        bool few = (FewSeriesMeters.Contains(meter) || fewSeriesMeters.Contains(meter))
            && !(meter == "Microsoft.AspNetCore.Server.Kestrel" && instrument.Name == KestrelConnectionDuration);
        int limit = few
            ? FewSeriesCardinalityLimit
            : CardinalityLimit;
        return meter is "System.Net.Http" or "System.Net.NameResolution"
            ? new MetricStreamConfiguration { CardinalityLimit = limit, TagKeys = HttpClientTagKeys }
            : new MetricStreamConfiguration { CardinalityLimit = limit };
    }

    /// <summary><c>GET /metrics</c>: every metric above in Prometheus' text format.</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath);
        return endpoints;
    }
}
