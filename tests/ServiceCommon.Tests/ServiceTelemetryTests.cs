using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceCommon.Tests;

/// <summary>
/// Every metric preallocates a data point per series it may keep, so the limit follows what its tags
/// can make: few series for the runtime's, the process's, Kestrel's and the meters a service names so,
/// many for requests by route and for a service's other meters.
/// </summary>
public sealed partial class ServiceTelemetryTests
{
    [Theory]
    [InlineData("System.Runtime", "dotnet.exceptions", ServiceTelemetry.FewSeriesCardinalityLimit)]
    [InlineData("OpenTelemetry.Instrumentation.Process", "process.cpu.time", ServiceTelemetry.FewSeriesCardinalityLimit)]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel", "kestrel.active_connections", ServiceTelemetry.FewSeriesCardinalityLimit)]
    [InlineData("Microsoft.AspNetCore.MemoryPool", "aspnetcore.memory_pool.rented", ServiceTelemetry.FewSeriesCardinalityLimit)]
    [InlineData("Test.FewSeries", "test.states", ServiceTelemetry.FewSeriesCardinalityLimit)]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel", "kestrel.connection.duration", ServiceTelemetry.CardinalityLimit)] // by end reason
    [InlineData("Microsoft.AspNetCore.Hosting", "http.server.request.duration", ServiceTelemetry.CardinalityLimit)]
    [InlineData("Microsoft.AspNetCore.Routing", "aspnetcore.routing.match_attempts", ServiceTelemetry.CardinalityLimit)]
    [InlineData("Microsoft.AspNetCore.Diagnostics", "aspnetcore.diagnostics.exceptions", ServiceTelemetry.CardinalityLimit)]
    [InlineData("System.Net.Http", "http.client.request.duration", ServiceTelemetry.CardinalityLimit)]
    [InlineData("Test.Groups", "test.gets", ServiceTelemetry.CardinalityLimit)]
    public void StreamOf_KeepsAsManySeriesAsTheMetersTagsCanMake(string meterName, string instrumentName, int expected)
    {
        using var meter = new Meter(meterName);
        var instrument = meter.CreateCounter<long>(instrumentName);

        var stream = ServiceTelemetry.StreamOf(instrument, new HashSet<string>(["Test.FewSeries"]));

        Assert.Equal(expected, stream.CardinalityLimit);
    }

    [Theory]
    [InlineData("System.Net.Http", "http.client.open_connections")]
    [InlineData("System.Net.NameResolution", "dns.lookup.duration")]
    public void StreamOf_HttpClientAndNameResolution_KeepNoTagThatNamesAPeer(string meterName, string instrumentName)
    {
        using var meter = new Meter(meterName);
        var instrument = meter.CreateCounter<long>(instrumentName);

        var stream = ServiceTelemetry.StreamOf(instrument, new HashSet<string>());

        Assert.Equal(ServiceTelemetry.HttpClientTagKeys, stream.TagKeys);
        Assert.DoesNotContain("server.address", stream.TagKeys!);
    }

    /// <summary>
    /// Through a real host and its /metrics: a meter named as having few series keeps
    /// <see cref="ServiceTelemetry.FewSeriesCardinalityLimit"/> and counts the rest in OpenTelemetry's
    /// overflow series, losing no measurement; a service's other meter keeps them all.
    /// </summary>
    [Fact]
    public async Task Metrics_FewSeriesMeterBeyondItsLimit_CountsTheRestInTheOverflowSeries_OtherMeterKeepsEverySeries()
    {
        const int values = 100;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddServiceTelemetry("test", ["Test.FewSeries", "Test.Groups"], fewSeriesMeters: ["Test.FewSeries"], [], _ => null);
        await using var app = builder.Build();
        app.MapMetrics();
        await app.StartAsync();
        string url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();

        using var few = new Meter("Test.FewSeries");
        using var groups = new Meter("Test.Groups");
        var states = few.CreateCounter<long>("test.states");
        var gets = groups.CreateCounter<long>("test.gets");
        for (int i = 0; i < values; i++)
        {
            states.Add(1, new KeyValuePair<string, object?>("state", "s" + i));
            gets.Add(1, new KeyValuePair<string, object?>("group", "g" + i));
        }

        using var http = new HttpClient();
        string text = await http.GetStringAsync(url + ServiceTelemetry.MetricsPath);

        var stateSeries = Series(text, "test_states_total");
        var getSeries = Series(text, "test_gets_total");
        Assert.Equal(ServiceTelemetry.FewSeriesCardinalityLimit, stateSeries.Count(s => !s.Labels.Contains("otel_metric_overflow", StringComparison.Ordinal)));
        Assert.Single(stateSeries, s => s.Labels.Contains("otel_metric_overflow=\"true\"", StringComparison.Ordinal));
        Assert.Equal(values, stateSeries.Sum(s => s.Value));
        Assert.Equal(values, getSeries.Count);
        Assert.DoesNotContain(getSeries, s => s.Labels.Contains("otel_metric_overflow", StringComparison.Ordinal));
    }

    private static List<(string Labels, double Value)> Series(string text, string name) =>
        [.. SeriesLine().Matches(text).Where(m => m.Groups["name"].Value == name)
            .Select(m => (m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)))];

    [GeneratedRegex(@"^(?<name>[a-z_]+)\{(?<labels>[^}]*)\} (?<value>[0-9.e+]+)", RegexOptions.Multiline)]
    private static partial Regex SeriesLine();
}
