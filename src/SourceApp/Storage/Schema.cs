using Microsoft.Data.Sqlite;

namespace SourceApp.Storage;

/// <summary>
/// Creates and upgrades the schema, tracked in SQLite's <c>PRAGMA user_version</c>. Each step runs in the
/// same transaction as the version bump, so a crash leaves the file at the old version or the new one.
/// </summary>
internal static class Schema
{
    /// <summary>The version this build writes. A file with a higher one was made by a newer build.</summary>
    public const int CurrentVersion = 1;

    // Steps by target version; step N upgrades a file from version N-1.
    private static readonly string[] Steps =
    [
        "", // version 0: an empty file
        """
        CREATE TABLE IF NOT EXISTS records (
            key        TEXT    NOT NULL PRIMARY KEY,
            value      TEXT    NOT NULL,
            updated_at TEXT    NOT NULL,
            version    INTEGER NOT NULL DEFAULT 1
        );
        """,
    ];

    /// <summary>
    /// Brings the file to <see cref="CurrentVersion"/>. A brand-new file (no tables at all) also gets the
    /// sample records, in the same transaction, so it is seeded exactly once however the process dies.
    /// </summary>
    /// <returns>True when the file was brand new and was seeded.</returns>
    public static bool Migrate(SqliteConnection connection, Func<string> now)
    {
        Execute(connection, "BEGIN IMMEDIATE;");
        try
        {
            var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"), System.Globalization.CultureInfo.InvariantCulture);
            if (version > CurrentVersion)
            {
                throw new InvalidOperationException(
                    $"the database has schema version {version}, newer than this build's {CurrentVersion}; refusing to touch it");
            }

            var objects = Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM sqlite_master;"), System.Globalization.CultureInfo.InvariantCulture);
            var brandNew = version == 0 && objects == 0;

            for (var step = version + 1; step <= CurrentVersion; step++)
            {
                Execute(connection, Steps[step]);
            }

            if (brandNew)
            {
                SampleRecords.Insert(connection, now());
            }

            if (version != CurrentVersion)
            {
                // PRAGMA takes no parameters; the value is our own constant.
                Execute(connection, $"PRAGMA user_version = {CurrentVersion};");
            }

            Execute(connection, "COMMIT;");
            return brandNew;
        }
        catch
        {
            Execute(connection, "ROLLBACK;");
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
