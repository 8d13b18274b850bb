using System.Net;
using System.Text.Json;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Freshness;

/// <summary>
/// Cache nodes as real processes on 127.0.0.1 over either a real SourceApp (optionally started with
/// <c>-notify</c> naming every node) or a source URL the test serves itself.
/// </summary>
internal sealed class FreshnessCluster : IDisposable
{
    private readonly List<CacheNode> _nodes = [];

    private FreshnessCluster(TempDir dir) => Dir = dir;

    public TempDir Dir { get; }

    /// <summary>The real SourceApp, when this cluster started one.</summary>
    public ServiceProcess? Source { get; private set; }

    public string SourceUrl { get; private set; } = "";

    public IReadOnlyList<CacheNode> Nodes => _nodes;

    /// <summary>Starts a real SourceApp (with <c>-notify</c> naming the nodes when <paramref name="notify"/>) and the nodes.</summary>
    public static Task<FreshnessCluster> StartAsync(int count, bool notify, IReadOnlyDictionary<string, string>? env = null, IEnumerable<string>? sourceArgs = null) =>
        StartAsync(count, externalSourceUrl: null, notify, env, sourceArgs);

    /// <summary>Starts the nodes over a source the test serves at <paramref name="sourceUrl"/>.</summary>
    public static Task<FreshnessCluster> StartOverAsync(string sourceUrl, int count, IReadOnlyDictionary<string, string>? env = null) =>
        StartAsync(count, sourceUrl, notify: false, env, sourceArgs: null);

    private static async Task<FreshnessCluster> StartAsync(int count, string? externalSourceUrl, bool notify, IReadOnlyDictionary<string, string>? env, IEnumerable<string>? sourceArgs)
    {
        var cluster = new FreshnessCluster(new TempDir());
        try
        {
            int sourcePort = FreePort.Next();
            cluster.SourceUrl = externalSourceUrl ?? $"http://127.0.0.1:{sourcePort}";
            for (int i = 0; i < count; i++)
            {
                cluster._nodes.Add(new CacheNode($"node{i}", cluster.SourceUrl, cluster._nodes.Select(n => n.ApiUrl), env));
            }

            if (externalSourceUrl is null)
            {
                List<string> args = ["-db", Path.Combine(cluster.Dir.Path, "source.db"), "-http", $"127.0.0.1:{sourcePort}", "-name", "test-source"];
                if (notify)
                {
                    args.AddRange(["-notify", string.Join(',', cluster._nodes.Select(n => n.ApiUrl))]);
                }

                args.AddRange(sourceArgs ?? []);

                cluster.Source = ServiceProcess.Start("source", "SourceApp.dll", args, new Dictionary<string, string>());
                await Health.WaitAsync(cluster.Source, cluster.SourceUrl);
            }

            foreach (var node in cluster._nodes)
            {
                node.Launch();
            }

            foreach (var node in cluster._nodes)
            {
                await Health.WaitAsync(node.Process, node.ApiUrl);
            }

            await cluster.WaitConvergedAsync(TimeSpan.FromSeconds(20));
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    public async Task WaitConvergedAsync(TimeSpan timeout)
    {
        string[] expected = [.. _nodes.Select(n => n.GcAddr).Order(StringComparer.Ordinal)];
        bool converged = await TestHttp.EventuallyAsync(
            async () =>
            {
                foreach (var node in _nodes)
                {
                    if (!(await node.MembersAsync("alive")).SequenceEqual(expected) || !(await node.RingAsync()).SequenceEqual(expected))
                    {
                        return false;
                    }
                }

                return true;
            },
            timeout);
        Assert.True(converged, $"the ring did not converge within {timeout}:{Environment.NewLine}{Describe()}");
    }

    public string Describe() =>
        string.Join(Environment.NewLine, _nodes.Select(n => $"--- {n.Name}{Environment.NewLine}{Tail(n.Process.Output)}"))
        + (Source is null ? "" : $"{Environment.NewLine}--- source{Environment.NewLine}{Tail(Source.Output)}");

    /// <summary>Every node's answer for <paramref name="key"/>: "value" on 200, "404" on 404, else the status and body.</summary>
    public async Task<string[]> AnswersAsync(string key) =>
        await Task.WhenAll(_nodes.Select(async n => Answer(await n.GetAsync(key))));

    public static string Answer((HttpStatusCode Status, JsonElement Body) reply) => reply.Status switch
    {
        HttpStatusCode.OK => reply.Body.GetProperty("value").GetString()!,
        HttpStatusCode.NotFound => "404",
        _ => $"{(int)reply.Status} {reply.Body}",
    };

    /// <summary>Asks every node for <paramref name="key"/> a few times, so that non-owners may mirror it in their hot caches.</summary>
    public async Task WarmAsync(string key, int rounds = 5)
    {
        for (int i = 0; i < rounds; i++)
        {
            foreach (var node in _nodes)
            {
                await node.GetAsync(key);
            }
        }
    }

    /// <summary>SIGSTOP (true) or SIGCONT (false): a node that is still on every ring but answers nothing.</summary>
    public static void Freeze(ServiceProcess process, bool frozen)
    {
        if (frozen)
        {
            process.Stop();
        }
        else
        {
            process.Continue();
        }
    }

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        Source?.Dispose();
        Dir.Dispose();
    }

    private static string Tail(string text) => text.Length > 2000 ? text[^2000..] : text;
}

internal static class Freshness
{
    /// <summary>The "freshness" object of a node's status.</summary>
    public static async Task<JsonElement> OfAsync(CacheNode node) => (await node.StatusAsync()).GetProperty("freshness");

    public static async Task<long> CounterAsync(CacheNode node, string name) => (await OfAsync(node)).GetProperty(name).GetInt64();

    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string url, string? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(url));
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        var response = await TestHttp.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response.StatusCode, doc.RootElement.Clone(), response);
    }

    public static string DataUrl(string baseUrl, string key) => $"{baseUrl}/api/data/{Uri.EscapeDataString(key)}";

    public static string ValueJson(string value) => JsonSerializer.Serialize(new { value });
}
