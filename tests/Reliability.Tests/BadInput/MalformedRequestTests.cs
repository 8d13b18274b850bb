using System.Collections.Concurrent;
using System.Net;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.BadInput;

/// <summary>
/// The malformed-request corpus against the source and a cache node (API port and groupcache port):
/// no answer of 500 or above, no internals in any answer, both processes alive, data intact.
/// </summary>
public sealed class MalformedRequestTests(ITestOutputHelper output)
{
    private const string KnownKey = "reliability/known record";
    private const string KnownValue = "must survive the corpus ✓";

    // What an answer must never show a client: stack traces, type names, file paths, SQL.
    private static readonly string[] Internals =
    [
        "   at ", "Exception", "CacheApp.", "SourceApp.", "GroupCache.", "Microsoft.", "System.", ".cs:line", "/tmp/", "SQLite", "sqlite",
    ];

    [Fact]
    public async Task Corpus_AgainstBothServices_No5xxNoInternalsBothAliveDataIntact()
    {
        using var cluster = await TestCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        await TestHttp.PutValueAsync(cluster.Source.Url, KnownKey, KnownValue);
        Assert.Equal(HttpStatusCode.OK, (await node.GetAsync(KnownKey)).Status);

        var corpus = Corpus.Build();
        var ports = new Dictionary<Service, int> { [Service.Source] = cluster.Source.Port, [Service.CacheApi] = node.ApiPort, [Service.CachePeer] = node.GcPort };
        var results = new ConcurrentBag<(BadRequest Request, RawResponse Response)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Parallel.ForEachAsync(corpus, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (request, _) =>
            results.Add((request, await RawHttp.SendAsync(ports[request.Service], request.Bytes, request.Timeout))));

        // Slow senders: one byte every 100 ms for 2 s, then the connection is closed; three per listener at once.
        var slow = await Task.WhenAll(ports.Keys.SelectMany(service => Enumerable.Range(0, 3).Select(async _ =>
            (Service: service, Response: await RawHttp.TrickleAsync(ports[service], Corpus.SlowRequest(service), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2))))));
        var elapsed = clock.Elapsed;

        var all = results.Select(r => (r.Request.Service, r.Request.Kind, r.Response, Line: FirstLine(r.Request.Bytes)))
            .Concat(slow.Select(s => (s.Service, Kind: "slow-sender", s.Response, Line: "(trickled)"))).ToList();
        var leaks = all.Where(r => Internals.Any(i => Body(r.Response.Text).Contains(i, StringComparison.Ordinal))).ToList();
        // An unknown HTTP version (HTTP/9.9, a lowercase http/1.1) gets Kestrel's 505, the status RFC 9110
        // defines for it, or a 400; every other malformed request gets a 4xx, never a 5xx.
        var unknownVersions = all.Where(r => r.Kind == "request-line" && IsUnknownVersion(r.Line)).ToList();
        var serverErrors = all.Where(r => r.Response.Status >= 500).Except(unknownVersions.Where(r => r.Response.Status == 505)).ToList();

        bool sourceAlive = !cluster.Source.Process.HasExited && await IsHealthyAsync(cluster.Source.Url);
        bool nodeAlive = !node.Process.HasExited && await IsHealthyAsync(node.ApiUrl);
        var (knownAtSource, knownBody) = await TestHttp.GetJsonAsync($"{cluster.Source.Url}/api/data/{Uri.EscapeDataString(KnownKey)}");
        var (knownAtNode, knownNodeBody) = await node.GetAsync(KnownKey);
        var (appleAtNode, _) = await node.GetAsync("apple");
        int unhandledLogged = CountUnhandled(cluster.Source.Process.Output) + CountUnhandled(node.Process.Output);

        new Figures("bad-input", output)
            .Add("requests", all.Count)
            .Add("seconds", Math.Round(elapsed.TotalSeconds, 1))
            .Add("byService", all.GroupBy(r => r.Service.ToString()).ToDictionary(g => g.Key, g => g.Count()))
            .Add("byKind", all.GroupBy(r => r.Kind).ToDictionary(g => g.Key, g => g.Count()))
            .Add("byStatusClass", all.GroupBy(r => Class(r.Response.Status)).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()))
            .Add("byStatus", all.GroupBy(r => r.Response.Status).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Count()))
            .Add("status5xx", serverErrors.Count)
            .Add("unknownHttpVersionRequests", unknownVersions.Count)
            .Add("answersShowingInternals", leaks.Count)
            .Add("unhandledExceptionsLogged", unhandledLogged)
            .Add("sourceAlive", sourceAlive)
            .Add("nodeAlive", nodeAlive)
            .Add("knownRecordIntact", knownAtSource == HttpStatusCode.OK && knownBody.GetProperty("value").GetString() == KnownValue)
            .Write();
        foreach (var (service, kind, response, line) in serverErrors.Concat(leaks).Take(40))
        {
            output.WriteLine($"{service} {kind} [{line}] -> {response.Status} {Body(response.Text)[..Math.Min(300, Body(response.Text).Length)]}");
        }

        Assert.True(all.Count >= 500, $"the corpus has only {all.Count} requests");
        Assert.Empty(serverErrors);
        Assert.NotEmpty(unknownVersions);
        // The HTTP/2 connection preface on an HTTP/1.1-only listener: Kestrel closes the connection without an answer.
        Assert.All(unknownVersions, r => Assert.Contains(r.Response.Status, r.Line.StartsWith("PRI * ", StringComparison.Ordinal) ? new[] { 0, 400, 505 } : new[] { 400, 505 }));
        Assert.Empty(leaks);
        Assert.Equal(0, unhandledLogged);
        Assert.True(sourceAlive, cluster.Describe());
        Assert.True(nodeAlive, cluster.Describe());
        Assert.Equal(HttpStatusCode.OK, knownAtSource);
        Assert.Equal(KnownValue, knownBody.GetProperty("value").GetString());
        Assert.Equal(HttpStatusCode.OK, knownAtNode);
        Assert.Equal(KnownValue, knownNodeBody.GetProperty("value").GetString());
        Assert.Equal(HttpStatusCode.OK, appleAtNode);
    }

    // A request line whose last token looks like an HTTP version but is neither HTTP/1.0 nor HTTP/1.1.
    private static bool IsUnknownVersion(string line)
    {
        string version = line[(line.LastIndexOf(' ') + 1)..];
        return version.StartsWith("HTTP/", StringComparison.OrdinalIgnoreCase) && version is not ("HTTP/1.1" or "HTTP/1.0");
    }

    private static string Class(int status) => status switch
    {
        -1 => "no answer (timeout)",
        0 => "closed without answer",
        _ => $"{status / 100}xx",
    };

    private static string FirstLine(byte[] request)
    {
        string text = System.Text.Encoding.Latin1.GetString(request, 0, Math.Min(request.Length, 120));
        int end = text.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? text : text[..end]).Replace("\r", "", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
    }

    private static string Body(string response)
    {
        int end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return end < 0 ? response : response[(end + 4)..];
    }

    private static int CountUnhandled(string log) =>
        log.Split('\n').Count(line => line.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase) || line.StartsWith("fail:", StringComparison.Ordinal));

    private static async Task<bool> IsHealthyAsync(string url)
    {
        using var response = await TestHttp.Client.GetAsync(new Uri(url + "/health"));
        return response.StatusCode == HttpStatusCode.OK;
    }
}
