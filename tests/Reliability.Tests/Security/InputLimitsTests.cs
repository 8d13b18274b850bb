using System.Net;
using System.Text;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Security;

/// <summary>Membership input is validated, bodies and headers are bounded, and errors do not echo internals.</summary>
public sealed class InputLimitsTests(ITestOutputHelper output)
{
    private static string Member(int i, string scheme = "http") =>
        $$"""{"apiAddr":"{{scheme}}://127.0.0.1:{{20000 + i}}","groupCacheAddr":"{{scheme}}://127.0.0.1:{{30000 + i}}","incarnation":1,"heartbeat":1,"left":false,"ageMs":0}""";

    private static string Message(string from, IEnumerable<string> members) =>
        $$"""{"from":"{{from}}","members":[{{string.Join(',', members)}}]}""";

    [Fact]
    public async Task Limits_MembershipBodiesAndHeaders_AreRefusedWith4xxAndPlainErrors()
    {
        using var cluster = await TestCluster.StartAsync(1, sourceArgs: ["-max-body", "4096"]);
        var node = cluster.Nodes[0];
        string join = node.ApiUrl + "/api/cluster/join";
        string ok = "http://127.0.0.1:1";
        var cases = new List<(string Name, int Expected, Func<Task<(int Status, string Body)>> Send)>
        {
            ("join from ftp://", 400, () => PostAsync(join, Message("ftp://127.0.0.1:1", []))),
            ("join from javascript:", 400, () => PostAsync(join, Message("javascript:alert(1)", []))),
            ("join from file:", 400, () => PostAsync(join, Message("file:///etc/passwd", []))),
            ("join from a URL with a path", 400, () => PostAsync(join, Message("http://127.0.0.1:1/x", []))),
            ("join with a gopher:// member", 400, () => PostAsync(join, Message(ok, [Member(1, "gopher")]))),
            ("join with 257 members", 400, () => PostAsync(join, Message(ok, Enumerable.Range(0, 257).Select(i => Member(i))))),
            ("join body over 1 MiB", 413, () => PostAsync(join, Message(ok, []) + new string(' ', 1 << 20))),
            ("join body over 1 MiB, chunked", 413, () => PostAsync(join, Message(ok, []) + new string(' ', 1 << 20), chunked: true)),
            ("join with a type mismatch", 400, () => PostAsync(join, """{"from":"http://127.0.0.1:1","members":[{"apiAddr":123}]}""")),
            ("source PUT over -max-body", 413, () => PutAsync($"{cluster.Source.Url}/api/data/big", "{\"value\":\"" + new string('v', 8192) + "\"}")),
            ("source PUT over -max-body, chunked", 413, () => PutAsync($"{cluster.Source.Url}/api/data/big", "{\"value\":\"" + new string('v', 8192) + "\"}", chunked: true)),
            ("cache API, 40 KiB header", 431, () => GetWithHeaderAsync(node.ApiUrl + "/api/data/apple", 40 * 1024)),
            ("cache peer port, 40 KiB header", 431, () => GetWithHeaderAsync(node.GcAddr + "/_groupcache/data/apple", 40 * 1024)),
            ("source, 40 KiB header", 431, () => GetWithHeaderAsync(cluster.Source.Url + "/api/data/apple", 40 * 1024)),
            ("cache API, 20 KiB URL", 414, () => GetRawAsync(node.ApiPort, "/api/data/" + new string('u', 20 * 1024))),
            ("source, 20 KiB URL", 414, () => GetRawAsync(cluster.Source.Port, "/api/data/" + new string('u', 20 * 1024))),
        };

        var results = new List<object>();
        var failures = new List<string>();
        foreach (var (name, expected, send) in cases)
        {
            var (status, body) = await send();
            results.Add(new { name, expected, status });
            if (status != expected)
            {
                failures.Add($"{name}: {status}, expected {expected}: {body}");
            }

            if (status >= 400 && body.Length > 0 && !body.Contains("\"error\"", StringComparison.Ordinal))
            {
                failures.Add($"{name}: an error without a JSON error body: {body}");
            }

            foreach (string leak in new[] { "Exception", "   at ", "CacheApp.", "SourceApp.", "System.", "Microsoft." })
            {
                if (body.Contains(leak, StringComparison.Ordinal))
                {
                    failures.Add($"{name}: the answer shows '{leak}': {body}");
                }
            }
        }

        var ring = await node.RingAsync();
        new Figures("input-limits", output).Add("cases", results).Add("ringAfter", ring).Write();
        Assert.Empty(failures);
        Assert.Equal([node.GcAddr], ring);
    }

    private static Task<(int, string)> PostAsync(string url, string json, bool chunked = false) => SendBodyAsync(HttpMethod.Post, url, json, chunked);

    private static Task<(int, string)> PutAsync(string url, string json, bool chunked = false) => SendBodyAsync(HttpMethod.Put, url, json, chunked);

    /// <summary>
    /// Sends a body with <c>Expect: 100-continue</c>, so that a server refusing it by its Content-Length
    /// answers before the body is sent. A chunked body has no length to refuse early: the server
    /// reads up to its limit, answers 413 and closes while the client may still be sending, and the
    /// client can then see a reset instead of the 413 (HTTP/1.1's lingering-close race); such an
    /// attempt is repeated, at most three times.
    /// </summary>
    private static async Task<(int, string)> SendBodyAsync(HttpMethod method, string url, string json, bool chunked)
    {
        for (int attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(url)) { Content = Content(json, chunked) };
            request.Headers.ExpectContinue = true;
            try
            {
                using var response = await TestHttp.Client.SendAsync(request);
                return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException) when (chunked && attempt < 3)
            {
            }
        }
    }

    private static HttpContent Content(string json, bool chunked)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        HttpContent content = chunked ? new StreamContent(new NoLengthStream(bytes)) : new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return content;
    }

    private static async Task<(int, string)> GetWithHeaderAsync(string url, int size)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url));
        request.Headers.TryAddWithoutValidation("X-Padding", new string('p', size));
        using var response = await TestHttp.Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(int, string)> GetRawAsync(int port, string path)
    {
        var response = await RawHttp.SendAsync(port, RawHttp.Bytes($"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"), TimeSpan.FromSeconds(5));
        int end = response.Text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (response.Status, end < 0 ? "" : response.Text[(end + 4)..]);
    }

    /// <summary>A stream whose length HttpClient cannot know, so that it sends the body chunked.</summary>
    private sealed class NoLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
