using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace LoadRunner.Infrastructure;

/// <summary>The runner's own HTTP client: health checks, stats, warm-up and the storm. Loopback only.</summary>
public static class Http
{
    public static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        UseProxy = false, // loopback traffic must never go to an environment proxy
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>Polls <paramref name="url"/> until it answers 2xx; fails early if the process died.</summary>
    /// <returns>Time from the process's start to its first healthy answer.</returns>
    public static async Task<TimeSpan> WaitHealthyAsync(string url, ChildProcess process, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited with {process.ExitCode} before it was healthy:\n{process.LogTail()}");
            }

            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                using var response = await Client.GetAsync(url, cts.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return Stopwatch.GetElapsedTime(process.StartedAt);
                }
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        throw new TimeoutException($"{process.Name} was not healthy at {url} within {timeout.TotalSeconds} s:\n{process.LogTail()}");
    }

    public static async Task<JsonElement> GetJsonAsync(string url)
    {
        using var response = await Client.GetAsync(url).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        using var doc = await JsonDocument.ParseAsync(stream).ConfigureAwait(false);
        return doc.RootElement.Clone();
    }

    /// <summary>GETs each URL once with <paramref name="concurrency"/> requests in flight.</summary>
    /// <returns>How many answers were not 200.</returns>
    public static async Task<int> GetEachAsync(IReadOnlyList<string> urls, int concurrency)
    {
        int next = -1;
        int failures = 0;
        async Task Worker()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < urls.Count)
            {
                try
                {
                    using var response = await Client.GetAsync(urls[i]).ConfigureAwait(false);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Worker())).ConfigureAwait(false);
        return failures;
    }
}
