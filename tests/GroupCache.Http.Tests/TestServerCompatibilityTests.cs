using System.Net;
using GroupCache.Http.Protocol;
using GroupCache.Http.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace GroupCache.Http.Tests;

/// <summary>The endpoint also works under ASP.NET Core's in-memory TestServer, which services test with.</summary>
public class TestServerCompatibilityTests
{
    [Theory]
    [InlineData("/_groupcache/data/x%2By", "x+y")]
    [InlineData("/_groupcache/data/a+b", "a+b")]
    [InlineData("/_groupcache/data/a%20b", "a b")]
    [InlineData("/_groupcache/data/a%2Fb", "a/b")]
    [InlineData("/_groupcache/data/%E4%B8%AD%20%25", "中 %")]
    public async Task Get_UnderTestServer_DecodesTheKeyAsSent(string path, string key)
    {
        var getter = new CountingGetter();
        await using var app = await StartPeerEndpointAsync(getter);
        using var client = app.GetTestClient();

        using var response = await client.GetAsync(new Uri("http://localhost" + path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v:" + key, GetResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).Value.ToStringUtf8());
        Assert.Equal(1, getter.CallsFor(key));
    }

    /// <summary>The odd keys but "%2F", which TestServer's unescaped path cannot tell from "/".</summary>
    public static TheoryData<string> KeysTestServerCanCarry() =>
        [.. ((IEnumerable<object[]>)PeerPathTests.OddKeys()).Select(row => (string)row[0]).Where(k => !k.Contains("%2F", StringComparison.Ordinal))];

    [Theory]
    [MemberData(nameof(KeysTestServerCanCarry))]
    public async Task HttpPool_WithTestServerHandler_FetchesOddKeys(string key)
    {
        var getter = new CountingGetter();
        await using var app = await StartPeerEndpointAsync(getter);
        using var pool = new HttpPool("http://127.0.0.1:1", handler: app.GetTestServer().CreateHandler());

        if (key is "." or "..")
        {
            // TestServer cannot take a path that Uri would resolve; a real socket handler can.
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await pool.ClientFor("http://localhost").GetAsync("data", key, CancellationToken.None));
            return;
        }

        var response = await pool.ClientFor("http://localhost").GetAsync("data", key, CancellationToken.None);

        Assert.Equal("v:" + key, response.Value.ToString());
        Assert.Equal(1, getter.CallsFor(key));
    }

    /// <summary>An app under TestServer serving the peer protocol for group "data", loading through <paramref name="getter"/>.</summary>
    private static async Task<WebApplication> StartPeerEndpointAsync(CountingGetter getter)
    {
        var registry = new GroupRegistry();
        registry.NewGroup("data", 1 << 20, getter);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseTestServer();
        var app = builder.Build();
        app.UseGroupCachePeerProtocol(registry, new HttpPoolOptions());
        await app.StartAsync();
        return app;
    }
}
