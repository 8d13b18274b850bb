using Microsoft.Data.Sqlite;

namespace SourceApp.Storage;

/// <summary>
/// The records a brand-new database starts with, so the seed's example
/// <c>curl http://localhost:8086/api/data/apple</c> answers on a fresh start.
/// </summary>
public static class SampleRecords
{
    public static readonly IReadOnlyList<KeyValuePair<string, string>> All =
    [
        new("apple", "A crisp red apple"),
        new("banana", "A ripe yellow banana"),
        new("orange", "A juicy orange"),
        new("grape", "A bunch of green grapes"),
        new("pear", "A sweet pear"),
    ];

    internal static void Insert(SqliteConnection connection, string updatedAt)
    {
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO records (key, value, updated_at, version) VALUES ($key, $value, $updated_at, 1);";
        var key = insert.Parameters.Add("$key", SqliteType.Text);
        var value = insert.Parameters.Add("$value", SqliteType.Text);
        insert.Parameters.AddWithValue("$updated_at", updatedAt);
        foreach (var (k, v) in All)
        {
            key.Value = k;
            value.Value = v;
            insert.ExecuteNonQuery();
        }
    }
}
