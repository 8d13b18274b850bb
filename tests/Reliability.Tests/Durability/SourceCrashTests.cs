using System.Collections.Concurrent;
using System.Net;
using Microsoft.Data.Sqlite;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Durability;

/// <summary>
/// SIGKILL of the source while 32 writers PUT, twenty times over one database: every acknowledged
/// write must be on disk and the file must pass <c>PRAGMA integrity_check</c>.
/// </summary>
public sealed class SourceCrashTests(ITestOutputHelper output)
{
    private const int Rounds = 20;
    private const int Writers = 32;
    private static readonly TimeSpan WriteFor = TimeSpan.FromMilliseconds(400);

    [Fact]
    public async Task Sigkill_During32ConcurrentWriters_20Rounds_EveryAcknowledgedWriteSurvivesAndIntegrityIsOk()
    {
        using var dir = new TempDir();
        using var source = new SourceNode(dir.Path);
        var everAcknowledged = new ConcurrentDictionary<string, string>();
        var rounds = new List<object>();
        int totalSent = 0, totalAcked = 0, totalUnacked = 0, totalLost = 0;
        var restarts = new List<double>();

        for (int round = 0; round < Rounds; round++)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            await source.StartAsync();
            restarts.Add(Math.Round(started.Elapsed.TotalMilliseconds));

            var acknowledged = new ConcurrentDictionary<string, string>();
            int sent = 0;
            int unacknowledged = 0;
            using var stop = new CancellationTokenSource();
            var firstAck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
            {
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    string key = $"r{round}/w{w}/{i}";
                    string value = Values.Of(key);
                    Interlocked.Increment(ref sent);
                    try
                    {
                        using var response = await http.PutAsync(new Uri($"{source.Url}/api/data/{Uri.EscapeDataString(key)}"), TestHttp.ValueBody(value));
                        if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                        {
                            acknowledged[key] = value;
                            firstAck.TrySetResult();
                            continue;
                        }
                    }
                    catch (HttpRequestException)
                    {
                    }
                    catch (TaskCanceledException)
                    {
                    }

                    // Not acknowledged: in flight when the process died. It may or may not be on disk.
                    Interlocked.Increment(ref unacknowledged);
                    return;
                }
            })).ToList();

            // The window starts at the first acknowledged write, so that a slow start on a busy
            // machine does not eat it; the kill lands while all writers are busy.
            await firstAck.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(WriteFor);
            source.Kill();
            await stop.CancelAsync();
            await Task.WhenAll(writers);

            var (integrity, onDisk) = ReadDatabase(source.DbPath);
            int lost = acknowledged.Count(kv => onDisk.GetValueOrDefault(kv.Key) != kv.Value);
            int lostEarlier = everAcknowledged.Count(kv => onDisk.GetValueOrDefault(kv.Key) != kv.Value);
            foreach (var (key, value) in acknowledged)
            {
                everAcknowledged[key] = value;
            }

            totalSent += sent;
            totalAcked += acknowledged.Count;
            totalUnacked += unacknowledged;
            totalLost += lost + lostEarlier;
            rounds.Add(new { round, sent, acknowledged = acknowledged.Count, unacknowledged, lost = lost + lostEarlier, integrity });
            Assert.True(integrity == "ok", $"round {round}: integrity_check says {integrity}");
            Assert.True(acknowledged.Count > 0, $"round {round}: no write was acknowledged in {WriteFor.TotalMilliseconds}ms:{Environment.NewLine}{source.Process.Output}");
            Assert.True(lost + lostEarlier == 0, $"round {round}: {lost} acknowledged writes of this round and {lostEarlier} of earlier rounds are missing");
        }

        // The last restart serves what the file holds: a sample of every round's writes, over HTTP.
        await source.StartAsync();
        var sample = everAcknowledged.Where((_, i) => i % 50 == 0).ToList();
        foreach (var (key, value) in sample)
        {
            var (status, body) = await TestHttp.GetJsonAsync($"{source.Url}/api/data/{Uri.EscapeDataString(key)}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(value, body.GetProperty("value").GetString());
        }

        new Figures("source-durability", output)
            .Add("rounds", Rounds)
            .Add("writers", Writers)
            .Add("writeForMs", WriteFor.TotalMilliseconds)
            .Add("sent", totalSent)
            .Add("acknowledged", totalAcked)
            .Add("unacknowledgedInFlight", totalUnacked)
            .Add("lost", totalLost)
            .Add("restartMs", new { min = restarts.Min(), max = restarts.Max(), mean = Math.Round(restarts.Average()) })
            .Add("checkedOverHttpAfterLastRestart", sample.Count)
            .Add("perRound", rounds)
            .Write();
    }

    /// <summary>Opens the dead process's database directly (no pooling, so nothing stays open) and reads every record.</summary>
    private static (string Integrity, Dictionary<string, string> Records) ReadDatabase(string path)
    {
        var csb = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false };
        using var connection = new SqliteConnection(csb.ToString());
        connection.Open();
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check";
        string integrity = string.Join("; ", ReadAll(check, r => r.GetString(0)));
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT key, value FROM records";
        var records = ReadAll(select, r => (r.GetString(0), r.GetString(1))).ToDictionary(t => t.Item1, t => t.Item2, StringComparer.Ordinal);
        return (integrity, records);
    }

    private static List<T> ReadAll<T>(SqliteCommand command, Func<SqliteDataReader, T> read)
    {
        var list = new List<T>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(read(reader));
        }

        return list;
    }
}
