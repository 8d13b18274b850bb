using System.Net;
using System.Net.Http.Headers;
using System.Text;
using CacheApp.Cluster;

namespace CacheApp.Tests.Integration;

/// <summary>Every membership endpoint, fed the malformed-message corpus: 4xx with a JSON error, never 5xx, table unchanged.</summary>
public class MembershipInputTests
{
    private static async Task<(int Status, string Body)> PostAsync(string url, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await TestHttp.Client.PostAsync(new Uri(url), content);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    // The table without its clocks: who is there, at which address, in which state and version.
    private static async Task<string> TableAsync(CacheNode node)
    {
        var members = (await node.PeersAsync()).GetProperty("members").EnumerateArray()
            .Select(m => $"{m.GetProperty("groupcacheAddr")} {m.GetProperty("apiAddr")} {m.GetProperty("state")} {m.GetProperty("incarnation")}");
        return string.Join('\n', members);
    }

    [Fact]
    public async Task Corpus_EveryMembershipEndpoint_Is4xxWithJsonErrorAndTheTableIsUnchanged()
    {
        using var cluster = await TestCluster.StartAsync(2, new Dictionary<string, string> { ["MEMBER_DEAD_AFTER"] = "15s" });
        var node = cluster.Nodes[0];
        string before = await TableAsync(node);
        var failures = new List<string>();
        int sent = 0;

        foreach (string verb in ClusterEndpoints.Verbs)
        {
            string url = $"{node.ApiUrl}/api/cluster/{verb}";

            // The control: a well-formed message from the other member is taken, so that the
            // refusals below are refusals of the body and not of the route.
            var (okStatus, okBody) = await PostAsync(url, Encoding.UTF8.GetBytes($$"""{"from":"{{cluster.Nodes[1].GcAddr}}","members":[]}"""));
            if (okStatus != 200)
            {
                failures.Add($"{verb} control: {okStatus} {okBody}");
            }

            foreach (var (name, body) in MembershipCorpus.Cases())
            {
                var (status, text) = await PostAsync(url, body);
                sent++;
                if (status is < 400 or >= 500)
                {
                    failures.Add($"{verb} / {name}: {status} {text[..Math.Min(200, text.Length)]}");
                }
                else if (!text.Contains("\"error\"", StringComparison.Ordinal))
                {
                    failures.Add($"{verb} / {name}: {status} without a JSON error: {text[..Math.Min(200, text.Length)]}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(sent > 300, $"only {sent} bad messages sent");
        Assert.Equal(before, await TableAsync(node));
        Assert.False(node.Process.HasExited);
    }

    [Fact]
    public async Task Requests_UnderAnotherHostName_AsDnsRebindingSendsThem_Are400_AndTheStrangerIsNotAMember()
    {
        // The page's name now resolves to 127.0.0.1: the browser sees one origin and sends JSON,
        // but the Host header is still the page's name.
        using var cluster = await TestCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        string before = await TableAsync(node);
        var api = new Uri(node.ApiUrl);
        string stranger = "http://127.0.0.77:8081";
        long incarnation = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        byte[] join = Encoding.UTF8.GetBytes($$"""
            {"from":"{{stranger}}","fromApi":"http://127.0.0.77:8080","members":[{"apiAddr":"http://127.0.0.77:8080","groupCacheAddr":"{{stranger}}","incarnation":{{incarnation}},"heartbeat":0,"left":false,"ageMs":0,"state":"alive"}]}
            """);

        async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string host, byte[]? body = null)
        {
            var request = new HttpRequestMessage(method, new Uri(api, path));
            request.Headers.Host = $"{host}:{api.Port}";
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }

            return await TestHttp.Client.SendAsync(request);
        }

        using var forged = await SendAsync(HttpMethod.Post, "/api/cluster/join", "evil.example", join);
        using var read = await SendAsync(HttpMethod.Get, "/api/admin/status", "evil.example");
        using var own = await SendAsync(HttpMethod.Get, "/api/admin/status", "localhost");

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Contains("rebinding", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(before, await TableAsync(node));
        Assert.DoesNotContain(stranger, await TableAsync(node), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/plain;charset=UTF-8")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task Join_AsABrowserCanSendItCrossSite_Is415AndTheStrangerIsNotAMember(string? contentType)
    {
        // A node on loopback without a secret, as a local cluster runs; a web page the developer
        // opens may POST to it, but only with these content types unless the node allows it first.
        using var cluster = await TestCluster.StartAsync(1);
        var node = cluster.Nodes[0];
        string before = await TableAsync(node);
        long incarnation = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string stranger = "http://127.0.0.77:8081";
        byte[] join = Encoding.UTF8.GetBytes($$"""
            {"from":"{{stranger}}","fromApi":"http://127.0.0.77:8080","members":[{"apiAddr":"http://127.0.0.77:8080","groupCacheAddr":"{{stranger}}","incarnation":{{incarnation}},"heartbeat":0,"left":false,"ageMs":0,"state":"alive"}]}
            """);

        using var content = new ByteArrayContent(join);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{node.ApiUrl}/api/cluster/join")) { Content = content };
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Sec-Fetch-Site", "cross-site");
        using var response = await TestHttp.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        string after = await TableAsync(node);
        Assert.Equal(before, after);
        Assert.DoesNotContain(stranger, after, StringComparison.Ordinal);
    }
}
