using System.Net;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Faults;

/// <summary>SIGKILL of the source under load, then a restart: cached keys never fail; the others fail fast and recover by themselves.</summary>
public sealed class SourceRestartTests(ITestOutputHelper output)
{
    // The load runs until AfterHealthy past the source's restart, at most MaxLoadTime.
    private static readonly TimeSpan MaxLoadTime = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan AfterHealthy = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan KillAt = TimeSpan.FromSeconds(1.5);
    private static readonly TimeSpan DownFor = TimeSpan.FromSeconds(2.5);

    // "Fast" for a failure: a refused connection, far from SOURCE_TIMEOUT (the default 5s), with room
    // for a machine whose two cores are busy starting the source again.
    private static readonly TimeSpan FailFast = TimeSpan.FromMilliseconds(2000);

    [Fact]
    public async Task SourceKilledAndRestarted_CachedKeysServed_OthersFailFastWith502Or503_ThenRecover()
    {
        using var cluster = await TestCluster.StartAsync(3);
        var cached = Values.Keys("cached-", 100);
        var cold = Values.Keys("cold-", 3000);
        await cluster.SeedAsync([.. cached, .. cold]);
        foreach (string key in cached)
        {
            Assert.Equal(HttpStatusCode.OK, (await cluster.Nodes[0].GetAsync(key)).Status);
        }

        var cachedSet = cached.ToHashSet();
        var load = Load.Start(
            [.. cluster.Nodes.Select(n => n.ApiUrl)],
            random => random.Next(2) == 0 ? cached[random.Next(cached.Count)] : cold[random.Next(cold.Count)],
            clients: 4,
            MaxLoadTime,
            requestTimeout: TimeSpan.FromSeconds(5));
        await Task.Delay(KillAt);
        var killedAt = load.Elapsed;
        cluster.Source.Kill();
        var (outageStatus, outageBody) = await cluster.Nodes[0].GetAsync("cold-never-read");
        string outageError = outageBody.GetProperty("error").GetString() ?? "";
        var downLeft = DownFor - (load.Elapsed - killedAt);
        if (downLeft > TimeSpan.Zero)
        {
            await Task.Delay(downLeft);
        }
        var restartedAt = load.Elapsed;
        await cluster.Source.StartAsync();
        var healthyAt = load.Elapsed;
        await Task.Delay(AfterHealthy);
        var samples = await load.StopAsync();

        var outage = samples.Where(s => s.AtMs >= killedAt.TotalMilliseconds && s.AtMs < restartedAt.TotalMilliseconds).ToList();
        var cachedInOutage = Counts.Of(outage.Where(s => cachedSet.Contains(s.Key)));
        var coldInOutage = Counts.Of(outage.Where(s => !cachedSet.Contains(s.Key)));
        // Recovered: the last failed request ended; every request after it succeeded.
        var lastFailure = samples.Where(s => s.Outcome != Outcome.Ok).MaxBy(s => s.AtMs + s.LatencyMs);
        double recoveredAtMs = lastFailure is null ? killedAt.TotalMilliseconds : lastFailure.AtMs + lastFailure.LatencyMs;
        var afterRecovery = Counts.Between(samples, healthyAt + TimeSpan.FromSeconds(1), MaxLoadTime);
        new Figures("source-restart", output)
            .Add("load", new { clients = 4, seconds = Math.Round(samples[^1].AtMs / 1000, 1), cachedKeys = cached.Count, coldKeys = cold.Count, mix = "half cached, half cold" })
            .Add("killedAtMs", Math.Round(killedAt.TotalMilliseconds))
            .Add("restartedAtMs", Math.Round(restartedAt.TotalMilliseconds))
            .Add("sourceHealthyAfterRestartMs", Math.Round((healthyAt - restartedAt).TotalMilliseconds))
            .Add("errorWhileSourceDown", new { status = (int)outageStatus, error = outageError })
            .Add("lastFailureEndedAfterRestartMs", Math.Round(recoveredAtMs - restartedAt.TotalMilliseconds))
            .Add("lastFailureEndedAfterSourceHealthyMs", Math.Round(recoveredAtMs - healthyAt.TotalMilliseconds))
            .Add("whileSourceStarting", Counts.Between(samples, restartedAt, healthyAt))
            .Add("all", Counts.Of(samples))
            .Add("cachedKeysDuringOutage", cachedInOutage)
            .Add("coldKeysDuringOutage", coldInOutage)
            .Add("coldFailureLatencyMs", new
            {
                max = outage.Where(s => !cachedSet.Contains(s.Key) && s.Outcome != Outcome.Ok).Select(s => s.LatencyMs).DefaultIfEmpty().Max(),
                median = outage.Where(s => !cachedSet.Contains(s.Key) && s.Outcome != Outcome.Ok).Select(s => s.LatencyMs).Order().ElementAtOrDefault(coldInOutage.Failed / 2),
            })
            .Add("fromOneSecondAfterRecovery", afterRecovery)
            .Write();

        Assert.Equal(0, Counts.Of(samples).Wrong);
        Assert.Equal(HttpStatusCode.BadGateway, outageStatus);
        Assert.DoesNotContain(cluster.Source.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), outageError, StringComparison.Ordinal);
        Assert.True(cachedInOutage.Sent > 0 && coldInOutage.Sent > 0, "the load did not run during the outage");
        Assert.Equal(cachedInOutage.Sent, cachedInOutage.Ok);
        Assert.All(outage.Where(s => !cachedSet.Contains(s.Key) && s.Outcome != Outcome.Ok), s =>
        {
            Assert.True(s.Status is 502 or 503, $"a cold key during the outage answered {s.Status}");
            Assert.True(s.LatencyMs < FailFast.TotalMilliseconds, $"a cold key failed after {s.LatencyMs}ms, not fast");
        });
        Assert.True(coldInOutage.Failed > 0, "no cold key failed while the source was down");
        Assert.True(recoveredAtMs < (healthyAt + TimeSpan.FromSeconds(1)).TotalMilliseconds, $"requests still failed {recoveredAtMs - healthyAt.TotalMilliseconds}ms after the source was healthy again");
        Assert.True(afterRecovery.Sent > 0);
        Assert.Equal(afterRecovery.Sent, afterRecovery.Ok);
    }
}
