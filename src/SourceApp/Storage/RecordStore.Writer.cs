using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace SourceApp.Storage;

public sealed partial class RecordStore
{
    /// <summary>Most writes committed by one transaction; bounds a transaction's size and latency.</summary>
    internal const int MaxBatch = 256;

    private readonly Channel<WriteOp> _writes = Channel.CreateUnbounded<WriteOp>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private Task _writerLoop = Task.CompletedTask;

    // Used only by the writer loop (and by OpenWriter before the loop starts).
    private SqliteConnection? _writer;
    private SqliteCommand? _begin, _commit, _rollback, _upsert, _delete;
    private SqliteParameter? _upsertKey, _upsertValue, _upsertNow, _deleteKey;

    /// <summary>A queued PUT (<see cref="Value"/> set) or DELETE (<see cref="Value"/> null).</summary>
    private sealed class WriteOp(string key, string? value)
    {
        public string Key { get; } = key;
        public string? Value { get; } = value;
        public TaskCompletionSource<WriteOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly record struct WriteOutcome(PutResult Put, bool Deleted);

    private void OpenWriter()
    {
        _writer = new SqliteConnection(_connectionString);
        _writer.Open();

        using (var wal = _writer.CreateCommand())
        {
            // WAL: readers never block the writer nor each other. The mode is stored in the file.
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            var mode = wal.ExecuteScalar() as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                Log.WalUnavailable(_logger, Path, mode ?? "?");
            }
        }

        // synchronous=FULL: COMMIT returns only after the WAL is fsynced, so an acknowledged write
        // survives a power loss as well as a killed process. (NORMAL in WAL mode would survive SIGKILL,
        // since the OS still holds the written pages, but could lose the last commits on power loss.)
        // Group commit pays this fsync once per batch, not once per write.
        Execute(_writer, "PRAGMA synchronous = FULL;");
        Execute(_writer, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};");

        Seeded = Schema.Migrate(_writer, Now);

        _begin = Prepare(_writer, "BEGIN IMMEDIATE;");
        _commit = Prepare(_writer, "COMMIT;");
        _rollback = Prepare(_writer, "ROLLBACK;");

        // The value is bound as its UTF-8 bytes and cast to TEXT: Microsoft.Data.Sqlite binds strings
        // longer than 512 characters as C strings, which would cut a value at its first U+0000.
        // (Keys are at most 250 bytes, so they take the provider's length-counted path.)
        _upsert = _writer.CreateCommand();
        _upsert.CommandText = """
            INSERT INTO records (key, value, updated_at, version) VALUES ($key, CAST($value AS TEXT), $now, 1)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, version = records.version + 1
            RETURNING version;
            """;
        _upsertKey = _upsert.Parameters.Add("$key", SqliteType.Text);
        _upsertValue = _upsert.Parameters.Add("$value", SqliteType.Blob);
        _upsertNow = _upsert.Parameters.Add("$now", SqliteType.Text);

        _delete = _writer.CreateCommand();
        _delete.CommandText = "DELETE FROM records WHERE key = $key;";
        _deleteKey = _delete.Parameters.Add("$key", SqliteType.Text);

        _writerLoop = Task.Run(RunWriterAsync);
    }

    private Task<WriteOutcome> EnqueueWrite(WriteOp op)
    {
        if (!_writes.Writer.TryWrite(op))
        {
            throw new ObjectDisposedException(nameof(RecordStore));
        }

        return op.Done.Task;
    }

    private async Task RunWriterAsync()
    {
        var batch = new List<WriteOp>(MaxBatch);
        while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _writes.Reader.TryRead(out var op))
            {
                batch.Add(op);
            }

            CommitBatch(batch);
            batch.Clear();
        }
    }

    /// <summary>Applies <paramref name="batch"/> in one transaction; completes each op only after COMMIT.</summary>
    private void CommitBatch(List<WriteOp> batch)
    {
        var outcomes = new WriteOutcome[batch.Count];
        try
        {
            _begin!.ExecuteNonQuery();
            try
            {
                for (var i = 0; i < batch.Count; i++)
                {
                    outcomes[i] = Apply(batch[i]);
                }

                _commit!.ExecuteNonQuery();
            }
            catch
            {
                TryRollback();
                throw;
            }
        }
        catch (Exception ex)
        {
            Log.WriteFailed(_logger, batch.Count, ex);
            foreach (var op in batch)
            {
                op.Done.TrySetException(ex);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Done.TrySetResult(outcomes[i]);
        }
    }

    private WriteOutcome Apply(WriteOp op)
    {
        if (op.Value is null)
        {
            _deleteKey!.Value = op.Key;
            return new WriteOutcome(default, _delete!.ExecuteNonQuery() > 0);
        }

        var now = Now();
        _upsertKey!.Value = op.Key;
        _upsertValue!.Value = System.Text.Encoding.UTF8.GetBytes(op.Value);
        _upsertNow!.Value = now;
        var version = (long)_upsert!.ExecuteScalar()!;
        return new WriteOutcome(new PutResult(new DataRecord(op.Key, op.Value, now, version), Created: version == 1), false);
    }

    private void TryRollback()
    {
        try
        {
            _rollback!.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // SQLite may already have rolled back (e.g. after SQLITE_FULL); nothing is left to undo.
        }
    }

    private void CloseWriter()
    {
        foreach (var command in new[] { _begin, _commit, _rollback, _upsert, _delete })
        {
            command?.Dispose();
        }

        _writer?.Dispose();
        _writer = null;
    }
}
