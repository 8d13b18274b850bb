using System.Net;
using System.Net.Http.Headers;
using Reliability.Tests.Support;
using Xunit.Abstractions;

namespace Reliability.Tests.Security;

/// <summary>The source's write token (-token or SOURCEAPP_TOKEN), end to end with a cache node in front.</summary>
public sealed class WriteTokenTests(ITestOutputHelper output)
{
    private const string Token = "t0ken-for-writes";

    [Fact]
    public async Task Token_Set_PutAndDeleteNeedIt_ReadsDoNot_AndTheCacheWriteThroughPassesTheClientsHeader()
    {
        using var cluster = await TestCluster.StartAsync(1, sourceArgs: ["-token", Token]);
        var node = cluster.Nodes[0];
        string source = cluster.Source.Url;
        await TestHttp.PutValueAsync(source, "guarded", "original", Token);

        var results = new Dictionary<string, int>
        {
            ["source PUT without token"] = await SendAsync(HttpMethod.Put, $"{source}/api/data/guarded", null, "forged"),
            ["source PUT wrong token"] = await SendAsync(HttpMethod.Put, $"{source}/api/data/guarded", Token + "x", "forged"),
            ["source PUT other scheme"] = await SendAsync(HttpMethod.Put, $"{source}/api/data/guarded", null, "forged", new AuthenticationHeaderValue("Basic", Token)),
            ["source DELETE without token"] = await SendAsync(HttpMethod.Delete, $"{source}/api/data/guarded", null),
            ["source DELETE wrong token"] = await SendAsync(HttpMethod.Delete, $"{source}/api/data/guarded", "nope"),
            ["cache PUT without token"] = await SendAsync(HttpMethod.Put, $"{node.ApiUrl}/api/data/guarded", null, "forged"),
            ["cache PUT wrong token"] = await SendAsync(HttpMethod.Put, $"{node.ApiUrl}/api/data/guarded", "nope", "forged"),
            ["source GET"] = await SendAsync(HttpMethod.Get, $"{source}/api/data/guarded", null),
            ["source keys"] = await SendAsync(HttpMethod.Get, $"{source}/api/keys", null),
        };
        var (afterForgeries, body) = await node.GetAsync("guarded");
        string? valueAfterForgeries = body.GetProperty("value").GetString();

        results["source PUT with token"] = await SendAsync(HttpMethod.Put, $"{source}/api/data/guarded", Token, "by source");
        results["cache PUT with token"] = await SendAsync(HttpMethod.Put, $"{node.ApiUrl}/api/data/through-cache", Token, "by cache");
        var (throughCache, throughBody) = await TestHttp.GetJsonAsync($"{source}/api/data/through-cache");
        results["source DELETE with token"] = await SendAsync(HttpMethod.Delete, $"{source}/api/data/through-cache", Token);
        new Figures("write-token", output).Add("statuses", results).Write();

        Assert.Equal(HttpStatusCode.OK, afterForgeries);
        Assert.Equal("original", valueAfterForgeries);
        foreach (var (name, status) in results.Where(r => r.Key.Contains("without", StringComparison.Ordinal) || r.Key.Contains("wrong", StringComparison.Ordinal) || r.Key.Contains("other", StringComparison.Ordinal)))
        {
            Assert.True(status == 401, $"{name}: {status}");
        }

        Assert.Equal(200, results["source GET"]);
        Assert.Equal(200, results["source keys"]);
        Assert.Equal(200, results["source PUT with token"]);
        Assert.Equal(201, results["cache PUT with token"]);
        Assert.Equal(HttpStatusCode.OK, throughCache);
        Assert.Equal("by cache", throughBody.GetProperty("value").GetString());
        Assert.Equal(204, results["source DELETE with token"]);
    }

    [Fact]
    public async Task TokenFromEnvironment_PutWithoutItIs401_WithItIs201()
    {
        using var dir = new TempDir();
        using var source = new SourceNode(dir.Path, env: new Dictionary<string, string> { ["SOURCEAPP_TOKEN"] = Token });
        await source.StartAsync();

        Assert.Equal(401, await SendAsync(HttpMethod.Put, $"{source.Url}/api/data/env-guarded", null, "v"));
        Assert.Equal(201, await SendAsync(HttpMethod.Put, $"{source.Url}/api/data/env-guarded", Token, "v"));
    }

    private static async Task<int> SendAsync(HttpMethod method, string url, string? token, string? value = null, AuthenticationHeaderValue? authorization = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(url));
        request.Headers.Authorization = authorization ?? (token is null ? null : new AuthenticationHeaderValue("Bearer", token));
        if (value is not null)
        {
            request.Content = TestHttp.ValueBody(value);
        }

        using var response = await TestHttp.Client.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            string text = await response.Content.ReadAsStringAsync();
            Assert.Contains("\"error\"", text, StringComparison.Ordinal);
        }

        return (int)response.StatusCode;
    }
}
