using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using SourceApp.Storage;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Storage;

public sealed class RecordStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private RecordStore Open(string name = "s.db") => RecordStore.Open(_folder.File(name), NullLogger.Instance);

    [Fact]
    public async Task Open_NewFile_SeedsTheSampleRecords()
    {
        await using var store = Open();

        Assert.True(store.Seeded);
        foreach (var (key, value) in SampleRecords.All)
        {
            Assert.Equal(value, (await store.GetAsync(key))?.Value);
        }

        Assert.Contains(SampleRecords.All, r => r.Key == "apple");
        Assert.Contains(SampleRecords.All, r => r.Key == "banana");
        Assert.Contains(SampleRecords.All, r => r.Key == "orange");
    }

    [Fact]
    public async Task Open_SeededFileReopened_IsNotSeededAgain()
    {
        await using (var first = Open())
        {
            Assert.True(first.Seeded);
            Assert.True(await first.DeleteAsync("apple"));
            await first.PutAsync("banana", "changed");
        }

        await using var second = Open();

        Assert.False(second.Seeded);
        Assert.Null(await second.GetAsync("apple"));
        Assert.Equal("changed", (await second.GetAsync("banana"))?.Value);
    }

    [Fact]
    public async Task Open_ExistingDatabaseOfSomeoneElse_IsNotSeeded()
    {
        var path = _folder.File("other.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('keep me');";
            command.ExecuteNonQuery();
        }

        await using (var store = RecordStore.Open(path, NullLogger.Instance))
        {
            Assert.False(store.Seeded);
            Assert.Null(await store.GetAsync("apple"));
            Assert.Empty((await store.ListKeysAsync("", null, 10)).Keys);
        }

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT text FROM notes;";
            Assert.Equal("keep me", command.ExecuteScalar());
        }
    }

    [Fact]
    public void Open_NewerSchemaVersion_Refuses()
    {
        var path = _folder.File("future.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<InvalidOperationException>(() => RecordStore.Open(path, NullLogger.Instance));
        Assert.Contains("schema version 99", error.Message);
    }

    [Fact]
    public async Task Open_MissingFolders_AreCreated_AndTheFileIsInWalMode()
    {
        var path = _folder.File("a", "b", "c.db");

        await using (var store = RecordStore.Open(path, NullLogger.Instance))
        {
            Assert.Equal(Path.GetFullPath(path), store.Path);
        }

        Assert.True(File.Exists(path));
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", command.ExecuteScalar());
        command.CommandText = "PRAGMA user_version;";
        Assert.Equal(1L, command.ExecuteScalar());
    }

    [Fact]
    public async Task Put_NewThenExistingKey_CreatesThenUpdates()
    {
        await using var store = Open();

        var created = await store.PutAsync("k", "v1");
        var updated = await store.PutAsync("k", "v2");

        Assert.True(created.Created);
        Assert.Equal(new DataRecord("k", "v1", created.Record.UpdatedAt, 1), created.Record);
        Assert.False(updated.Created);
        Assert.Equal(2, updated.Record.Version);
        Assert.Equal(updated.Record, await store.GetAsync("k"));
        Assert.True(DateTimeOffset.TryParse(updated.Record.UpdatedAt, out _));
    }

    [Fact]
    public async Task Delete_ExistingThenMissing_ReportsWhetherItExisted()
    {
        await using var store = Open();
        await store.PutAsync("k", "v");

        Assert.True(await store.DeleteAsync("k"));
        Assert.False(await store.DeleteAsync("k"));
        Assert.Null(await store.GetAsync("k"));
        Assert.True((await store.PutAsync("k", "again")).Created);
    }

    [Fact]
    public async Task Put_ValueWithNulAndLargeText_RoundTrips()
    {
        await using var store = Open();
        var value = "a\0b" + new string('x', 500_000) + "😀";

        await store.PutAsync("k", value);

        Assert.Equal(value, (await store.GetAsync("k"))?.Value);
    }

    [Fact]
    public async Task ListKeys_PrefixAndAfter_ReadOneRangeInByteOrder()
    {
        await using var store = Open("empty.db");
        foreach (var key in SampleRecords.All)
        {
            await store.DeleteAsync(key.Key);
        }

        string[] keys = ["a", "ab", "ab\0", "abc", "ab\U0010FFFF", "ab😀", "ab\uffff", "ac", "b"];
        foreach (var key in keys)
        {
            await store.PutAsync(key, "v");
        }

        var all = await store.ListKeysAsync("", null, 100);
        var withPrefix = await store.ListKeysAsync("ab", null, 100);
        var afterInPrefix = await store.ListKeysAsync("ab", "abc", 100);
        var afterBelowPrefix = await store.ListKeysAsync("ab", "a", 100);
        var firstTwo = await store.ListKeysAsync("ab", null, 2);

        var expected = keys.OrderBy(k => k, Comparer<string>.Create(Keys.CompareUtf8)).ToArray();
        Assert.Equal(expected, all.Keys);
        Assert.False(all.HasMore);
        Assert.Equal(expected.Where(k => k.StartsWith("ab", StringComparison.Ordinal)), withPrefix.Keys);
        Assert.Equal(["ab\uffff", "ab😀", "ab\U0010FFFF"], afterInPrefix.Keys);
        Assert.Equal(withPrefix.Keys, afterBelowPrefix.Keys);
        Assert.Equal(["ab", "ab\0"], firstTwo.Keys);
        Assert.True(firstTwo.HasMore);
    }

    [Fact]
    public async Task Writes_32ConcurrentWritersAndReaders_NoLockErrorsAndNoLostWrites()
    {
        await using var store = Open();
        var deadline = DateTime.UtcNow.AddSeconds(3);
        const int tasks = 32;
        const int maxPerTask = 5_000; // bounds the loop on a fast machine
        var lastWritten = new string?[tasks][];
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();

        var workers = Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            var mine = lastWritten[t] = new string?[16];
            try
            {
                for (var i = 0; i < maxPerTask && DateTime.UtcNow < deadline; i++)
                {
                    var slot = i % mine.Length;
                    var key = $"w{t}-{slot}";
                    if (i % 3 == 2)
                    {
                        // Read back a key this task wrote: an acknowledged write must be visible.
                        var record = await store.GetAsync(key);
                        Assert.Equal(mine[slot], record?.Value);
                        await store.ListKeysAsync($"w{t}-", null, 5);
                    }
                    else
                    {
                        var value = $"{t}:{i}";
                        await store.PutAsync(key, value);
                        mine[slot] = value;
                    }
                }
            }
            catch (Exception ex)
            {
                errors.Enqueue(ex);
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.Empty(errors);
        await using var reopened = Open();
        for (var t = 0; t < tasks; t++)
        {
            for (var slot = 0; slot < lastWritten[t].Length; slot++)
            {
                Assert.Equal(lastWritten[t][slot], (await reopened.GetAsync($"w{t}-{slot}"))?.Value);
            }
        }
    }
}
