using System.Diagnostics;
using LoadRunner.Infrastructure;
using Microsoft.Data.Sqlite;
using ServiceTesting;

namespace LoadRunner.Systems;

/// <summary>
/// src/SourceApp on a fresh SQLite file. Filling it through HTTP would take minutes for a million rows,
/// so the runner lets SourceApp create its schema, stops it, bulk-inserts into the file in one
/// transaction, and starts it again.
/// </summary>
public sealed class SourceService : IAsyncDisposable
{
    private readonly RepoPaths _paths;
    private readonly string _logDir;
    private ChildProcess? _process;
    private int _starts;

    private SourceService(RepoPaths paths, string dbPath, string logDir, int port)
    {
        _paths = paths;
        DbPath = dbPath;
        _logDir = logDir;
        Port = port;
    }

    public string DbPath { get; }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public int Pid => _process?.Pid ?? 0;

    public static async Task<SourceService> StartAsync(RepoPaths paths, string dbPath, string logDir)
    {
        var source = new SourceService(paths, dbPath, logDir, FreePort.Next());
        await source.StartProcessAsync().ConfigureAwait(false);
        return source;
    }

    /// <summary>Rows (key, value) inserted in one transaction while the service is stopped.</summary>
    /// <returns>Time spent inserting.</returns>
    public async Task<TimeSpan> BulkInsertAsync(IEnumerable<(string Key, string Value)> rows)
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }

        var watch = Stopwatch.StartNew();
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString()))
        {
            connection.Open();
            Execute(connection, "PRAGMA synchronous = OFF;");
            using var transaction = connection.BeginTransaction();
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            // The columns of SourceApp's `records` table (src/SourceApp/Storage/Schema.cs, version 1).
            insert.CommandText = "INSERT OR REPLACE INTO records (key, value, updated_at, version) VALUES ($k, $v, $t, 1);";
            var k = insert.Parameters.Add("$k", SqliteType.Text);
            var v = insert.Parameters.Add("$v", SqliteType.Text);
            insert.Parameters.AddWithValue("$t", DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            insert.Prepare();
            foreach (var (key, value) in rows)
            {
                k.Value = key;
                v.Value = value;
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
            Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
        }

        var elapsed = watch.Elapsed;
        await StartProcessAsync().ConfigureAwait(false);
        return elapsed;
    }

    /// <summary>Stops the service and deletes the database (hundreds of MB for a full run).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
            _process = null;
        }

        foreach (string suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(DbPath + suffix);
        }
    }

    private async Task StartProcessAsync()
    {
        int n = ++_starts;
        _process = ChildProcess.Start("sourceapp", "dotnet",
            [_paths.SourceAppDll, "-db", DbPath, "-http", $"127.0.0.1:{Port}", "-name", "bench-source"],
            Path.Combine(_logDir, $"source-{n}.log"), workingDirectory: Path.GetDirectoryName(_paths.SourceAppDll));
        await Http.WaitHealthyAsync($"{Url}/health", _process, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
