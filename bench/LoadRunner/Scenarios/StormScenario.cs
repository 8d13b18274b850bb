using System.Diagnostics;
using System.Net;
using LoadRunner.Infrastructure;
using LoadRunner.Reporting;
using LoadRunner.Systems;

namespace LoadRunner.Scenarios;

/// <summary>
/// A cache stampede: 500 requests released together for one cold key, spread over three nodes.
/// Singleflight on every node plus forwarding to the owner should reach the source exactly once.
/// </summary>
public sealed class StormScenario : IScenario
{
    public string Name => "storm";

    public async Task RunAsync(BenchContext context)
    {
        int requests = context.Options.StormRequests;
        int keyIndex = 0;
        for (int round = 1; round <= context.Options.Rounds; round++)
        {
            foreach (var system in context.InOrder(round))
            {
                await using var cluster = await system.StartAsync("storm", [new NodeSpec(64L << 20), new NodeSpec(64L << 20), new NodeSpec(64L << 20)]);

                // Open the connections first, so that the storm measures the cache, not TCP handshakes,
                // and run the load path once on every node (peer fetches included), so that a JIT's
                // first compilation is not what the storm's duration shows.
                await FireTogetherAsync([.. Enumerable.Range(0, requests).Select(i => $"{cluster.Nodes[i % 3].ApiUrl}/health")]);
                await Http.GetEachAsync([.. Enumerable.Range(0, 300).Select(i => cluster.Nodes[i % 3].DataUrl(KeySpace.Hit(i)))], 16);

                var loads = new List<double>();
                var m = new Measurement("storm", system.Name, round);
                double worstMs = 0;
                long non200 = 0;
                for (int repeat = 0; repeat < context.Options.StormRepeats; repeat++)
                {
                    string key = KeySpace.Storm(keyIndex++);
                    long before = await cluster.TotalSourceLoadsAsync();
                    var watch = Stopwatch.StartNew();
                    var statuses = await FireTogetherAsync([.. Enumerable.Range(0, requests).Select(i => cluster.Nodes[i % 3].DataUrl(key))]);
                    worstMs = Math.Max(worstMs, watch.Elapsed.TotalMilliseconds);
                    m.Extra[$"storm{repeat + 1}_ms"] = watch.Elapsed.TotalMilliseconds;
                    non200 += statuses.Count(s => s != HttpStatusCode.OK);
                    loads.Add(await cluster.TotalSourceLoadsAsync() - before);
                }

                m = m with { Requests = (long)requests * context.Options.StormRepeats, Errors = non200 };
                m.Extra["source_loads_max"] = loads.Max();
                m.Extra["source_loads_total"] = loads.Sum();
                m.Extra["storms"] = loads.Count;
                m.Extra["storm_ms_max"] = worstMs;
                context.Record(m);
            }
        }
    }

    /// <summary>Starts every request, then releases them at once through one gate.</summary>
    private static async Task<HttpStatusCode[]> FireTogetherAsync(string[] urls)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = urls.Select(async url =>
        {
            await gate.Task.ConfigureAwait(false);
            try
            {
                using var response = await Http.Client.GetAsync(url).ConfigureAwait(false);
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return HttpStatusCode.ServiceUnavailable;
            }
        }).ToArray();
        gate.SetResult();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
