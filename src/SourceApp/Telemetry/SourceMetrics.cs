using System.Diagnostics.Metrics;
using Microsoft.Data.Sqlite;
using SourceApp.Options;

namespace SourceApp.Telemetry;

/// <summary>
/// The <c>SourceApp</c> meter: records held, reads and writes served, and cache-node notifications
/// sent and failed. Tags are low-cardinality words (found, put, …), never a key.
/// </summary>
public sealed class SourceMetrics
{
    public const string MeterName = "SourceApp";

    private static readonly KeyValuePair<string, object?> Found = new("result", "found");
    private static readonly KeyValuePair<string, object?> NotFound = new("result", "not_found");
    private static readonly KeyValuePair<string, object?> Put = new("operation", "put");
    private static readonly KeyValuePair<string, object?> Delete = new("operation", "delete");

    private readonly Counter<long> _reads;
    private readonly Counter<long> _writes;
    private readonly Counter<long> _notificationsSent;
    private readonly Counter<long> _notificationsFailed;

    // From the options, not the store: resolving the store opens the database, which must fail in
    // RunAsync's start-up (logged, exit 1), not while the app is being built.
    public SourceMetrics(IMeterFactory meterFactory, SourceOptions options)
    {
        var meter = meterFactory.Create(new MeterOptions(MeterName));
        string path = options.DatabasePath;
        meter.CreateObservableGauge("sourceapp.records", () => CountRecords(path), "{record}", "Records in the database.");
        _reads = meter.CreateCounter<long>("sourceapp.reads", "{request}", "Reads of one record, by result (found, not_found).");
        _writes = meter.CreateCounter<long>("sourceapp.writes", "{request}", "Committed writes, by operation (put, delete).");
        _notificationsSent = meter.CreateCounter<long>("sourceapp.notifications.sent", "{request}", "Invalidations a cache node accepted.");
        _notificationsFailed = meter.CreateCounter<long>("sourceapp.notifications.failed", "{request}", "Invalidation attempts a cache node refused or did not answer.");
    }

    public void OnRead(bool found) => _reads.Add(1, found ? Found : NotFound);

    public void OnPut() => _writes.Add(1, Put);

    public void OnDelete() => _writes.Add(1, Delete);

    public void OnNotified(bool accepted) => (accepted ? _notificationsSent : _notificationsFailed).Add(1);

    /// <summary>Counted on a connection of its own, once per scrape: a reader of the store serves one request at a time.</summary>
    private static IEnumerable<Measurement<long>> CountRecords(string path)
    {
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString());
            connection.Open();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM records;";
            return [new Measurement<long>((long)count.ExecuteScalar()!)];
        }
        catch (SqliteException)
        {
            return []; // the readiness check reports an unreadable database
        }
    }
}
