using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace SourceApp.Storage;

/// <summary>
/// The SQLite-backed <see cref="IRecordStore"/>: one writer connection fed by a queue (group commit),
/// and a small pool of reader connections, all on one file in WAL mode.
/// </summary>
/// <remarks>
/// Why this shape: WAL lets readers run beside the single writer without blocking, but two writers
/// in one process would fight for the write lock (SQLITE_BUSY, "database is locked"). So all writes
/// go through one connection, and whatever writes are queued while a commit is in flight are committed
/// together by the next transaction: one fsync for many writes, each acknowledged only after its
/// transaction's COMMIT returned.
/// </remarks>
public sealed partial class RecordStore : IRecordStore, IAsyncDisposable, IDisposable
{
    /// <summary>How long a connection waits for a lock another process holds before failing.</summary>
    public const int BusyTimeoutMilliseconds = 5000;

    private readonly string _connectionString;
    private readonly ILogger _logger;

    private RecordStore(string path, ILogger logger)
    {
        Path = path;
        _logger = logger;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            // We keep our own long-lived connections; the provider's pool would only keep files open
            // after Dispose.
            Pooling = false,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();
    }

    /// <summary>The database file's full path.</summary>
    public string Path { get; }

    /// <summary>True when <see cref="Open"/> found a brand-new file and put the sample records in it.</summary>
    public bool Seeded { get; private set; }

    /// <summary>
    /// Opens (creating if needed, with its folder) the database at <paramref name="path"/>, sets it to
    /// WAL, brings the schema up to date and starts the writer. Throws when the file cannot be used.
    /// </summary>
    public static RecordStore Open(string path, ILogger logger)
    {
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        var store = new RecordStore(full, logger);
        try
        {
            store.OpenWriter();
            return store;
        }
        catch
        {
            store.CloseAll();
            throw;
        }
    }

    public async ValueTask<DataRecord?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var reader = await RentReaderAsync(cancellationToken);
        try
        {
            return reader.Get(key);
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    public async ValueTask<KeyPage> ListKeysAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);

        // The scan starts at the larger of "after" (exclusive) and "prefix" (inclusive) and stops
        // before the first key past the prefix, so each page is one index range read however many
        // keys the table holds.
        var exclusive = after is not null && KeyOrder.Compare(after, prefix) >= 0;
        var lower = exclusive ? after! : prefix;
        var upper = prefix.Length == 0 ? null : KeyOrder.PrefixUpperBound(prefix);

        var reader = await RentReaderAsync(cancellationToken);
        try
        {
            return reader.ListKeys(lower, exclusive, upper, limit);
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    public async ValueTask PingAsync(CancellationToken cancellationToken = default)
    {
        var reader = await RentReaderAsync(cancellationToken);
        try
        {
            reader.Ping();
        }
        finally
        {
            ReturnReader(reader);
        }
    }

    public async Task<PutResult> PutAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        var outcome = await EnqueueWrite(new WriteOp(key, value));
        return outcome.Put;
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var outcome = await EnqueueWrite(new WriteOp(key, null));
        return outcome.Deleted;
    }

    public async ValueTask DisposeAsync()
    {
        _writes.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);
        CloseAll();
    }

    public void Dispose()
    {
        _writes.Writer.TryComplete();
        _writerLoop.GetAwaiter().GetResult();
        CloseAll();
    }

    private void CloseAll()
    {
        CloseWriter();
        CloseReaders();
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Prepare();
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Now() =>
        DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
