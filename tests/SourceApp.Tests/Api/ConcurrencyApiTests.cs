using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Api;

public class ConcurrencyApiTests
{
    [Fact]
    public async Task Http_32ConcurrentWritersAndReaders_AllSucceedAndNoWriteIsLost()
    {
        await using var app = new SourceAppFactory();
        using var client = app.CreateClient();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        const int tasks = 32;
        const int maxPerTask = 2_000; // bounds the loop on a fast machine
        var last = new ConcurrentDictionary<string, string>();
        var failures = new ConcurrentQueue<string>();

        // Another program reading the same file all along, as sqlite3 or a backup would.
        var outsideReader = Task.Run(() =>
        {
            using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False;Mode=ReadOnly");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM records;";
            while (!stop.IsCancellationRequested)
            {
                command.ExecuteScalar();
            }
        });

        var workers = Enumerable.Range(0, tasks).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < maxPerTask && !stop.IsCancellationRequested; i++)
            {
                var key = $"c{t}/{i % 8}";
                if (i % 2 == 0)
                {
                    var value = $"{t}-{i}";
                    var put = await client.PutAsync(Keys.DataPath(key), Keys.ValueBody(value));
                    if (put.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
                    {
                        failures.Enqueue($"PUT {key}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
                    }

                    last[key] = value;
                }
                else
                {
                    // Read another task's key: present or not yet written, never an error.
                    var get = await client.GetAsync(Keys.DataPath($"c{(t + 1) % tasks}/{i % 8}"));
                    if (get.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.NotFound))
                    {
                        failures.Enqueue($"GET: {(int)get.StatusCode} {await get.Content.ReadAsStringAsync()}");
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        await stop.CancelAsync();
        await outsideReader;

        Assert.Empty(failures);
        Assert.NotEmpty(last);
        foreach (var (key, value) in last)
        {
            var json = JsonDocument.Parse(await client.GetStringAsync(Keys.DataPath(key))).RootElement;
            Assert.Equal(value, json.GetProperty("value").GetString());
        }
    }
}
