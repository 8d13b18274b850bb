using System.Net;
using Microsoft.Data.Sqlite;
using ServiceTesting;
using SourceApp.Storage;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Api;

/// <summary>GET /metrics, /health/live and /health/ready.</summary>
[Collection(MetricsCollection.Name)]
public class ObservabilityTests
{
    [Fact]
    public async Task Metrics_HttpClientToManyServers_NoSeriesPerServerAndNoOverflow()
    {
        // A node's HttpClient talks to every member. Per-server tags made series per member; past
        // the cardinality limit every new one went to the overflow series for good.
        await using var app = new SourceAppFactory();
        using var client = app.CreateClient();
        int closedPort = FreePort.Next();
        using var outgoing = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        for (int i = 0; i < 300; i++)
        {
            // Loopback addresses 127.0.0.2 to 127.0.1.45, nothing listening: each is refused at once.
            var address = new IPAddress(new byte[] { 127, 0, (byte)((i + 2) / 256), (byte)((i + 2) % 256) });
            await Assert.ThrowsAsync<HttpRequestException>(() => outgoing.GetAsync(new Uri($"http://{address}:{closedPort}/")));
        }

        string text = string.Empty;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!text.Contains("error_type=\"connection_error\"", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            text = await client.GetStringAsync("/metrics");
        }

        Assert.Contains("http_client_request_duration_seconds_count{", text);
        string[] perServer = [.. text.Split('\n').Where(line => line.StartsWith("http_client_", StringComparison.Ordinal) && (line.Contains("server_address=", StringComparison.Ordinal) || line.Contains("network_peer_address=", StringComparison.Ordinal)))];
        Assert.True(perServer.Length == 0, $"{perServer.Length} series name a server, such as:\n{string.Join('\n', perServer.Take(5))}");
        Assert.DoesNotContain("otel_metric_overflow", text);
    }

    [Fact]
    public async Task Metrics_ReadsAndWrites_CountedInPrometheusText()
    {
        await using var app = new SourceAppFactory();
        using var client = app.CreateClient();
        int seeded = SampleRecords.All.Count;

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data/apple")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/data/no-such-key")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("/api/data/metrics-key", Keys.ValueBody("v"))).StatusCode);

        // The exporter may answer from a scrape it cached a moment ago: ask until the writes show.
        string text = string.Empty;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (PrometheusText.Sample(text, "sourceapp_writes_total", "operation=\"put\"") is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            text = await client.GetStringAsync("/metrics");
        }

        Assert.Equal(1, PrometheusText.Sample(text, "sourceapp_reads_total", "result=\"found\""));
        Assert.Equal(1, PrometheusText.Sample(text, "sourceapp_reads_total", "result=\"not_found\""));
        Assert.Equal(1, PrometheusText.Sample(text, "sourceapp_writes_total", "operation=\"put\""));
        Assert.Equal(seeded + 1, PrometheusText.Sample(text, "sourceapp_records", string.Empty));
        Assert.DoesNotContain("metrics-key", text);
        Assert.Contains("process_", text);
        Assert.Contains("dotnet_", text);
    }

    [Fact]
    public async Task Ready_RecordsTableGone_503WhileLiveStays200()
    {
        await using var app = new SourceAppFactory();
        using var client = app.CreateClient();
        var ready = await DataApiTests.ReadJsonAsync(await client.GetAsync("/health/ready"));
        Assert.Equal("healthy", ready.GetProperty("status").GetString());
        Assert.Equal("database", ready.GetProperty("checks")[0].GetProperty("name").GetString());

        using (var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE records;";
            command.ExecuteNonQuery();
        }

        var notReady = await client.GetAsync("/health/ready");
        var live = await client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        var body = await DataApiTests.ReadJsonAsync(notReady);
        Assert.Equal("unhealthy", body.GetProperty("checks")[0].GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("process", (await DataApiTests.ReadJsonAsync(live)).GetProperty("checks")[0].GetProperty("name").GetString());
    }
}

/// <summary>
/// Tests that count metrics run alone: OpenTelemetry listens to meters by name, so an app started by a
/// test running alongside would add its reads and writes to this app's counters.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}
