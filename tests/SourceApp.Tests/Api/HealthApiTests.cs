using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using SourceApp.Storage;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Api;

public class HealthApiTests
{
    [Fact]
    public async Task Health_ReadableDatabase_Returns200WithTheName()
    {
        await using var app = new SourceAppFactory(new Dictionary<string, string> { ["name"] = "node-7" });
        using var client = app.CreateClient();

        var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await DataApiTests.ReadJsonAsync(response);
        Assert.Equal("ok", json.GetProperty("status").GetString());
        Assert.Equal("node-7", json.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Health_RecordsTableGone_Returns503()
    {
        await using var app = new SourceAppFactory();
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        // Another program breaks the database under the running service.
        using (var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE records;";
            command.ExecuteNonQuery();
        }

        var response = await client.GetAsync("/health");

        await DataApiTests.AssertErrorAsync(response, HttpStatusCode.ServiceUnavailable);
        var json = await DataApiTests.ReadJsonAsync(await client.GetAsync("/health"));
        Assert.Equal("unavailable", json.GetProperty("status").GetString());
        Assert.Equal("test-node", json.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Health_StoreThrows_Returns503()
    {
        await using var app = new SourceAppFactory(services: s => s.AddSingleton<IRecordStore>(new FailingStore()));
        using var client = app.CreateClient();

        await DataApiTests.AssertErrorAsync(await client.GetAsync("/health"), HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task AnyEndpoint_StoreThrows_Returns500JsonWithoutStackTrace()
    {
        await using var app = new SourceAppFactory(services: s => s.AddSingleton<IRecordStore>(new FailingStore()));
        using var client = app.CreateClient();

        var get = await client.GetAsync("/api/data/apple");
        var put = await client.PutAsync("/api/data/apple", Keys.ValueBody("v"));

        await DataApiTests.AssertErrorAsync(get, HttpStatusCode.InternalServerError);
        await DataApiTests.AssertErrorAsync(put, HttpStatusCode.InternalServerError);
        var text = await get.Content.ReadAsStringAsync();
        Assert.DoesNotContain("disk on fire", text);
        Assert.DoesNotContain("FailingStore", text);
    }

    /// <summary>A store whose disk has failed.</summary>
    private sealed class FailingStore : IRecordStore
    {
        private static InvalidOperationException Failure() => new("disk on fire");

        public ValueTask<DataRecord?> GetAsync(string key, CancellationToken cancellationToken = default) => throw Failure();

        public Task<PutResult> PutAsync(string key, string value, CancellationToken cancellationToken = default) => throw Failure();

        public Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default) => throw Failure();

        public ValueTask<KeyPage> ListKeysAsync(string prefix, string? after, int limit, CancellationToken cancellationToken = default) =>
            throw Failure();

        public ValueTask PingAsync(CancellationToken cancellationToken = default) => throw Failure();
    }
}
