using System.Net;
using Microsoft.Data.Sqlite;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Api;

/// <summary>
/// Another process holding the SQLite file's write lock past the busy timeout: the write is not
/// applied, and the client is told to retry (503), not that the service broke (500).
/// </summary>
public sealed class DatabaseLockedTests
{
    [Fact]
    public async Task Put_WhileAnotherConnectionHoldsTheWriteLock_Is503WithRetryAfter_ThenSucceedsOnceReleased()
    {
        await using var app = new SourceAppFactory();
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await client.PutAsync("/api/data/k", Keys.ValueBody("before"))).StatusCode);

        // A second connection to the same file, as another process would open it, takes the write lock.
        using (var other = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False"))
        {
            other.Open();
            using (var begin = other.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE;";
                begin.ExecuteNonQuery();
            }

            using var refused = await client.PutAsync("/api/data/k", Keys.ValueBody("during"));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
            var error = (await DataApiTests.ReadJsonAsync(refused)).GetProperty("error").GetString();
            Assert.Contains("locked", error);
            Assert.DoesNotContain("   at ", error);

            using var rollback = other.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();
        }

        // Nothing was applied, and the writer goes on once the lock is gone.
        Assert.Equal("before", (await app.Store.GetAsync("k"))?.Value);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("/api/data/k", Keys.ValueBody("after"))).StatusCode);
        Assert.Equal("after", (await app.Store.GetAsync("k"))?.Value);
    }
}
