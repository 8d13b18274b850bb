using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Reliability.Tests.Support;

internal enum Outcome
{
    Ok,
    Failed,
    Wrong,
}

/// <summary>One request of a load run: when it started (ms since the run began), how long it took, how it ended, and which node it went to.</summary>
internal sealed record Sample(double AtMs, double LatencyMs, Outcome Outcome, int Status, string Key, string Target = "");

/// <summary>
/// A steady, bounded load: a fixed number of clients, each sending GET /api/data/{key} one after the
/// other for a fixed time, each request with its own timeout. Every answer is checked against the
/// value the key was written with. The test runs its fault script while the load runs, marking times
/// with <see cref="Elapsed"/>.
/// </summary>
internal sealed class Load
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Sample> _samples = new();
    private volatile bool _stopped;

    private Load(IReadOnlyList<string> targets, Func<Random, string> pickKey, int clients, TimeSpan duration, TimeSpan requestTimeout, double? ratePerClient)
    {
        Completion = Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => ClientAsync(c, targets, pickKey, duration, requestTimeout, ratePerClient))));
    }

    public Task Completion { get; }

    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyList<Sample> Samples => [.. _samples.OrderBy(s => s.AtMs)];

    /// <summary>Starts <paramref name="clients"/> clients against <paramref name="targets"/> (API base URLs, round-robin).</summary>
    /// <param name="ratePerClient">
    /// Requests a second each client sends at most (a client that fell behind, waiting for a slow
    /// answer, catches up at once); null sends each request as soon as the previous one ended.
    /// </param>
    public static Load Start(IReadOnlyList<string> targets, Func<Random, string> pickKey, int clients, TimeSpan duration, TimeSpan requestTimeout, double? ratePerClient = null) =>
        new(targets, pickKey, clients, duration, requestTimeout, ratePerClient);

    public static Func<Random, string> Uniform(IReadOnlyList<string> keys) => random => keys[random.Next(keys.Count)];

    public async Task<IReadOnlyList<Sample>> WaitAsync()
    {
        await Completion;
        return Samples;
    }

    /// <summary>Ends the run before its duration: each client finishes the request it is in.</summary>
    public Task<IReadOnlyList<Sample>> StopAsync()
    {
        _stopped = true;
        return WaitAsync();
    }

    private async Task ClientAsync(int client, IReadOnlyList<string> targets, Func<Random, string> pickKey, TimeSpan duration, TimeSpan requestTimeout, double? ratePerClient)
    {
        var random = new Random(client * 7919);
        for (int i = client; !_stopped && _clock.Elapsed < duration; i++)
        {
            if (ratePerClient is { } rate && TimeSpan.FromSeconds((i - client) / rate) - _clock.Elapsed is { } wait && wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
                if (_stopped || _clock.Elapsed >= duration)
                {
                    break;
                }
            }

            string key = pickKey(random);
            string target = targets[i % targets.Count];
            string url = $"{target}/api/data/{Uri.EscapeDataString(key)}";
            double at = _clock.Elapsed.TotalMilliseconds;
            int status = 0;
            var outcome = Outcome.Failed;
            using var timeout = new CancellationTokenSource(requestTimeout);
            try
            {
                using var response = await Http.GetAsync(new Uri(url), timeout.Token);
                status = (int)response.StatusCode;
                string body = await response.Content.ReadAsStringAsync(timeout.Token);
                outcome = response.StatusCode switch
                {
                    HttpStatusCode.OK => ValueOf(body) == Values.Of(key) ? Outcome.Ok : Outcome.Wrong,
                    HttpStatusCode.NotFound => Outcome.Wrong, // every key the load asks for exists
                    _ => Outcome.Failed,
                };
            }
            catch (HttpRequestException)
            {
            }
            catch (OperationCanceledException)
            {
                status = -1; // our own timeout
            }

            _samples.Enqueue(new Sample(at, _clock.Elapsed.TotalMilliseconds - at, outcome, status, key, target));
        }
    }

    private static string? ValueOf(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.GetProperty("value").GetString();
        }
        catch (JsonException)
        {
            return null;
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }
}

/// <summary>Counts over a set of samples, as the report and docs/RELIABILITY.md show them.</summary>
internal sealed record Counts(int Sent, int Ok, int Failed, int Wrong, double MaxLatencyMs, double P99LatencyMs, IReadOnlyDictionary<string, int> ByStatus)
{
    public static Counts Of(IEnumerable<Sample> samples)
    {
        var list = samples.ToList();
        var latencies = list.Select(s => s.LatencyMs).Order().ToList();
        return new Counts(
            list.Count,
            list.Count(s => s.Outcome == Outcome.Ok),
            list.Count(s => s.Outcome == Outcome.Failed),
            list.Count(s => s.Outcome == Outcome.Wrong),
            latencies.Count == 0 ? 0 : Math.Round(latencies[^1], 1),
            latencies.Count == 0 ? 0 : Math.Round(latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * 0.99))], 1),
            list.GroupBy(s => s.Status switch { 0 => "error", -1 => "timeout", _ => s.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) })
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count()));
    }

    public static Counts Between(IEnumerable<Sample> samples, TimeSpan from, TimeSpan to) =>
        Of(samples.Where(s => s.AtMs >= from.TotalMilliseconds && s.AtMs < to.TotalMilliseconds));
}
