using System.Net;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.EndToEnd;

/// <summary>Crash safety of the real process: SIGKILL right after acknowledged writes, then a restart.</summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<(SourceProcess Process, HttpClient Client)> StartAsync(string db) =>
        SourceProcess.StartAsync(["-db", db, "-http", "127.0.0.1:0", "-name", "durable"]);

    [Fact]
    public async Task Sigkill_RightAfterAcknowledgedWrites_LosesNoneOfThem()
    {
        var db = _folder.File("data", "sqlite.db");
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var deleted = new List<string>();

        var (first, client) = await StartAsync(db);
        using (first)
        using (client)
        {
            // Concurrent writers, so group commit batches are in play, then a few deletes.
            await Task.WhenAll(Enumerable.Range(0, 16).Select(async w =>
            {
                for (var i = 0; i < 40; i++)
                {
                    var key = $"k{w}/{i % 25}";
                    var value = $"w{w}-i{i}";
                    var response = await client.PutAsync(Keys.DataPath(key), Keys.ValueBody(value));
                    Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK);
                    acknowledged[key] = value; // per writer, keys are disjoint: the last ack wins
                }
            }));
            foreach (var key in new[] { "apple", "k0/0", "k1/1" })
            {
                Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(Keys.DataPath(key))).StatusCode);
                acknowledged.TryRemove(key, out _);
                deleted.Add(key);
            }

            await first.KillAsync();
        }

        var (second, reader) = await StartAsync(db);
        using (second)
        using (reader)
        {
            foreach (var (key, value) in acknowledged)
            {
                var response = await reader.GetAsync(Keys.DataPath(key));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Contains($"\"value\":\"{value}\"", await response.Content.ReadAsStringAsync());
            }

            foreach (var key in deleted)
            {
                Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync(Keys.DataPath(key))).StatusCode);
            }
        }
    }

    [Fact]
    public async Task FreshDatabase_IsSeededOnceAndOnlyOnce()
    {
        var db = _folder.File("seed", "sqlite.db");

        var (first, client) = await StartAsync(db);
        using (first)
        using (client)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/data/apple")).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/data/apple")).StatusCode);
            Assert.Contains("created the schema and 5 sample records", first.Output);
            await first.KillAsync();
        }

        var (second, again) = await StartAsync(db);
        using (second)
        using (again)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await again.GetAsync("/api/data/apple")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("/api/data/banana")).StatusCode);
            Assert.DoesNotContain("sample records", second.Output);
        }
    }
}
