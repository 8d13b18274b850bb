using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace SourceApp.Storage;

public sealed partial class RecordStore
{
    /// <summary>Reader connections kept open; WAL lets them all read at once.</summary>
    internal static readonly int MaxReaders = Math.Max(4, Environment.ProcessorCount * 2);

    private readonly ConcurrentBag<Reader> _idleReaders = [];
    private readonly SemaphoreSlim _readerSlots = new(MaxReaders, MaxReaders); // guards how many Readers exist

    private async ValueTask<Reader> RentReaderAsync(CancellationToken cancellationToken)
    {
        if (!_readerSlots.Wait(0))
        {
            await _readerSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_idleReaders.TryTake(out var reader))
        {
            return reader;
        }

        try
        {
            return new Reader(_connectionString);
        }
        catch
        {
            _readerSlots.Release();
            throw;
        }
    }

    private void ReturnReader(Reader reader)
    {
        _idleReaders.Add(reader);
        _readerSlots.Release();
    }

    private void CloseReaders()
    {
        while (_idleReaders.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    /// <summary>One read-only connection with its prepared statements; used by one request at a time.</summary>
    private sealed class Reader : IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _get;
        private readonly SqliteParameter _getKey;
        private readonly SqliteCommand _ping;

        // Key listing in four shapes: lower bound inclusive or exclusive, with or without an upper bound.
        private readonly SqliteCommand?[] _list = new SqliteCommand?[4];

        public Reader(string connectionString)
        {
            _connection = new SqliteConnection(connectionString);
            _connection.Open();
            Execute(_connection, $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds};");
            Execute(_connection, "PRAGMA query_only = ON;");

            _get = _connection.CreateCommand();
            _get.CommandText = "SELECT value, updated_at, version FROM records WHERE key = $key;";
            _getKey = _get.Parameters.Add("$key", SqliteType.Text);

            // A real read of the table (not just "SELECT 1"), but one row at most.
            _ping = _connection.CreateCommand();
            _ping.CommandText = "SELECT count(*) FROM (SELECT 1 FROM records LIMIT 1);";
        }

        public DataRecord? Get(string key)
        {
            _getKey.Value = key;
            using var row = _get.ExecuteReader();
            if (!row.Read())
            {
                return null;
            }

            return new DataRecord(key, row.GetString(0), row.GetString(1), row.GetInt64(2));
        }

        public KeyPage ListKeys(string lower, bool exclusive, string? upper, int limit)
        {
            var shape = (exclusive ? 1 : 0) | (upper is null ? 0 : 2);
            var command = _list[shape] ??= CreateList(exclusive, upper is not null);
            command.Parameters["$lower"].Value = lower;
            if (upper is not null)
            {
                command.Parameters["$upper"].Value = upper;
            }

            command.Parameters["$limit"].Value = limit + 1; // one extra row says whether there is a next page

            var keys = new List<string>(Math.Min(limit, 1024));
            var more = false;
            using var row = command.ExecuteReader();
            while (row.Read())
            {
                if (keys.Count == limit)
                {
                    more = true;
                    break;
                }

                keys.Add(row.GetString(0));
            }

            return new KeyPage(keys, more);
        }

        public void Ping() => _ping.ExecuteScalar();

        private SqliteCommand CreateList(bool exclusive, bool bounded)
        {
            var command = _connection.CreateCommand();
            command.CommandText =
                $"SELECT key FROM records WHERE key {(exclusive ? ">" : ">=")} $lower{(bounded ? " AND key < $upper" : "")} ORDER BY key LIMIT $limit;";
            command.Parameters.Add("$lower", SqliteType.Text);
            if (bounded)
            {
                command.Parameters.Add("$upper", SqliteType.Text);
            }

            command.Parameters.Add("$limit", SqliteType.Integer);
            return command;
        }

        public void Dispose()
        {
            _get.Dispose();
            _ping.Dispose();
            foreach (var command in _list)
            {
                command?.Dispose();
            }

            _connection.Dispose();
        }
    }
}
