using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using GroupCache.Http.Protocol;
using GroupCache.Http.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServiceTesting;

namespace GroupCache.Http.Tests;

public sealed class PeerProtocolServerTests : IAsyncLifetime
{
    private readonly HttpClient _http = RawHttp.NewClient();
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        var getter = new CountingGetter((key, _) => key == "boom"
            ? throw new InvalidOperationException("the source is down")
            : ValueTask.FromResult(SyntheticValues.For(key)));
        _node = await TestNode.StartAsync(getter: getter);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Get_ExistingKey_Returns200WithProtobufValueAndCountsServerRequest()
    {
        using var response = await SendAsync(HttpMethod.Get, "/_groupcache/data/apple");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.Equal("v:apple", GetResponse.Parser.ParseFrom(body).Value.ToStringUtf8());
        Assert.Equal(1, _node.Group.Stats.ServerRequests);
        Assert.Equal(1, _node.Getter.CallsFor("apple"));
    }

    [Fact]
    public async Task Head_ExistingKey_Returns200WithLengthAndNoBody()
    {
        using var response = await SendAsync(HttpMethod.Head, "/_groupcache/data/apple");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(9, response.Content.Headers.ContentLength); // 0a 07 "v:apple"
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Get_BinaryValue_ReturnsExactBytes()
    {
        using var response = await SendAsync(HttpMethod.Get, "/_groupcache/data/bin:70000:x");

        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(SyntheticValues.For("bin:70000:x").ToArray(), GetResponse.Parser.ParseFrom(body).Value.ToByteArray());
    }

    [Theory]
    [InlineData("/_groupcache/data/a+b", "a b")]
    [InlineData("/_groupcache/data/a%20b", "a b")]
    [InlineData("/_groupcache/data/x%2By", "x+y")]
    [InlineData("/_groupcache/data/a%2Fb%2F..%2Fc", "a/b/../c")]
    [InlineData("/_groupcache/data/..", "..")]
    [InlineData("/_groupcache/data/a/b", "a/b")]
    [InlineData("/_groupcache/data/", "")]
    [InlineData("/_groupcache/data/q%3Fx%3D1?ignored=1", "q?x=1")]
    [InlineData("/_groupcache/data/%E4%B8%AD%E6%96%87", "中文")]
    public async Task Get_EscapedPath_LoadsTheDecodedKey(string path, string key)
    {
        using var response = await SendAsync(HttpMethod.Get, path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v:" + key, GetResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).Value.ToStringUtf8());
        Assert.Equal(1, _node.Getter.CallsFor(key));
    }

    [Theory]
    [InlineData("/_groupcache/data")]
    [InlineData("/_groupcache/")]
    [InlineData("/_groupcache/data/%zz")]
    [InlineData("/_groupcache/data/%E4%B8")]
    [InlineData("/_groupcache/da%Gta/k")]
    public async Task Get_MalformedPath_Returns400WithJsonError(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("bad request", await ErrorOfAsync(response), StringComparison.Ordinal);
        Assert.Equal(0, _node.Getter.Total);
    }

    [Fact]
    public async Task Get_UnknownGroup_Returns404NoSuchGroup()
    {
        using var response = await SendAsync(HttpMethod.Get, "/_groupcache/nosuch/k");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("no such group: nosuch", await ErrorOfAsync(response));
        Assert.False(response.Headers.Contains(PeerProtocolHeaders.NotFound));
    }

    [Fact]
    public async Task Get_SourceHasNoSuchKey_Returns404WithNotFoundHeader()
    {
        using var response = await SendAsync(HttpMethod.Get, "/_groupcache/data/missing:x");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("1", Assert.Single(response.Headers.GetValues(PeerProtocolHeaders.NotFound)));
        Assert.Equal("not found: missing:x", await ErrorOfAsync(response));
    }

    [Fact]
    public async Task Get_LoadFails_Returns500WithTheErrorText()
    {
        using var response = await SendAsync(HttpMethod.Get, "/_groupcache/data/boom");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("the source is down", await ErrorOfAsync(response));
        Assert.False(response.Headers.Contains(PeerProtocolHeaders.NotFound));
    }

    [Fact]
    public async Task Post_PeerPath_Returns405()
    {
        using var response = await SendAsync(HttpMethod.Post, "/_groupcache/data/k");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(0, _node.Getter.Total);
    }

    [Fact]
    public async Task Delete_CachedKey_RemovesItSoTheNextGetLoadsAgain()
    {
        (await SendAsync(HttpMethod.Get, "/_groupcache/data/k%201")).Dispose();
        (await SendAsync(HttpMethod.Get, "/_groupcache/data/k%201")).Dispose();
        Assert.Equal(1, _node.Getter.CallsFor("k 1"));

        using (var deleted = await SendAsync(HttpMethod.Delete, "/_groupcache/data/k+1"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        (await SendAsync(HttpMethod.Get, "/_groupcache/data/k%201")).Dispose();
        Assert.Equal(2, _node.Getter.CallsFor("k 1"));
    }

    [Fact]
    public async Task Delete_AbsentKey_Returns200()
    {
        using var response = await SendAsync(HttpMethod.Delete, "/_groupcache/data/never");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Get_KeyOwnedElsewhereOnThisNodesRing_LoadsLocallyWithoutForwarding()
    {
        // The ring names a node that does not exist as the owner of most keys; a peer request
        // must still be answered here, never forwarded.
        string elsewhere = "http://127.0.0.1:" + FreePort.Next();
        _node.Pool.SetPeers([_node.Url, elsewhere]);
        string key = Enumerable.Range(0, 1000).Select(i => "k" + i).First(k => _node.Pool.OwnerOf(k) == elsewhere);

        using var response = await SendAsync(HttpMethod.Get, "/_groupcache/data/" + key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, _node.Getter.CallsFor(key));
        Assert.Equal(0, _node.Group.Stats.PeerErrors);
        Assert.Equal(0, _node.Group.Stats.PeerLoads);
    }

    [Fact]
    public async Task UseGroupCachePeerProtocol_PathOutsideBasePath_PassesToNextMiddleware()
    {
        await using var host = await TestServerHost.StartAsync(app =>
        {
            app.UseGroupCachePeerProtocol(new GroupRegistry(), new HttpPoolOptions());
            app.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status418ImATeapot;
                return Task.CompletedTask;
            });
        });

        using var other = await _http.SendAsync(RawHttp.Request(HttpMethod.Get, host.Url, "/api/x"));
        using var prefix = await _http.SendAsync(RawHttp.Request(HttpMethod.Get, host.Url, "/_groupcache"));
        using var peer = await _http.SendAsync(RawHttp.Request(HttpMethod.Get, host.Url, "/_groupcache/data/k"));

        Assert.Equal((HttpStatusCode)418, other.StatusCode);
        Assert.Equal((HttpStatusCode)418, prefix.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, peer.StatusCode);
    }

    [Fact]
    public async Task UseGroupCachePeerProtocol_CustomBasePath_ServesOnlyThere()
    {
        var options = new HttpPoolOptions { BasePath = "/peers/v1/" };
        var registry = new GroupRegistry();
        registry.NewGroup("g", 1 << 20, new CountingGetter());
        await using var host = await TestServerHost.StartAsync(app => app.UseGroupCachePeerProtocol(registry, options));

        using var served = await _http.SendAsync(RawHttp.Request(HttpMethod.Get, host.Url, "/peers/v1/g/k"));
        using var notServed = await _http.SendAsync(RawHttp.Request(HttpMethod.Get, host.Url, "/_groupcache/g/k"));

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notServed.StatusCode);
    }

    [Theory]
    [InlineData("_groupcache/")]
    [InlineData("/_groupcache")]
    [InlineData("")]
    [InlineData("/a b/")]
    public void UseGroupCachePeerProtocol_BadBasePath_Throws(string basePath) =>
        Assert.Throws<ArgumentException>(() => new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { BasePath = basePath }));

    /// <summary>
    /// An absolute-form request target whose authority is followed by a query or fragment has the
    /// path "/" (RFC 3986: the authority ends at the first '/', '?' or '#'), and that is the path
    /// Kestrel gives the pipeline. The endpoint must not read a path out of the query: it would
    /// serve a request that every middleware before it saw as one for "/", past a path-based rule
    /// that keeps the peer protocol from the outside.
    /// </summary>
    [Theory]
    [InlineData("GET http://127.0.0.1:{0}?x=/_groupcache/data/k HTTP/1.1")]
    [InlineData("GET http://127.0.0.1:{0}#/_groupcache/data/k HTTP/1.1")]
    [InlineData("DELETE http://127.0.0.1:{0}?/_groupcache/data/k HTTP/1.1")]
    public async Task AbsoluteFormTarget_PathOnlyInTheQueryOrFragment_IsNotServedAsAPeerRequest(string requestLine)
    {
        var registry = new GroupRegistry();
        var getter = new CountingGetter();
        var seenPaths = new List<string>();
        await using var host = await StartBehindAPathRuleAsync(registry, seenPaths);
        using var pool = new HttpPool(host.Url);
        var group = registry.NewGroup("data", 1 << 20, getter, pool);
        group.Remove("k"); // nothing cached; a DELETE that got through would leave no trace otherwise
        string line = string.Format(CultureInfo.InvariantCulture, requestLine, new Uri(host.Url).Port);

        string answer = await SendRawAsync(host.Url, line);

        Assert.Equal(["/"], seenPaths);
        Assert.DoesNotContain("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Equal(0, getter.Total);
    }

    /// <summary>
    /// Kestrel removes dot segments ("..", escaped or not) from the path it gives the pipeline,
    /// while the endpoint reads the raw target, where a key's unescaped '/' splits it into
    /// segments. A key of several raw segments with a dot segment among them names one resource to
    /// the middleware before the endpoint (a path outside the base path here) and another to the
    /// endpoint. No client sends one (Go's and ours escape '/' in keys), so it is refused.
    /// </summary>
    [Theory]
    [InlineData("GET /_groupcache/data/x/../../../other HTTP/1.1")]
    [InlineData("GET /_groupcache/data/x/%2E%2E/%2e%2e/../other HTTP/1.1")]
    [InlineData("GET /_groupcache/data/x/.%2E/.%2e/%2E./other HTTP/1.1")]
    [InlineData("DELETE /_groupcache/data/x/../../../other HTTP/1.1")]
    public async Task RawKeyWithDotSegments_OutsideTheBasePathForThePipeline_IsNotServed(string requestLine)
    {
        var registry = new GroupRegistry();
        var getter = new CountingGetter();
        var seenPaths = new List<string>();
        await using var host = await StartBehindAPathRuleAsync(registry, seenPaths);
        using var pool = new HttpPool(host.Url);
        registry.NewGroup("data", 1 << 20, getter, pool);

        string answer = await SendRawAsync(host.Url, requestLine);

        Assert.Equal(["/other"], seenPaths);
        Assert.DoesNotContain("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Equal(0, getter.Total);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path) =>
        _http.SendAsync(RawHttp.Request(method, _node.Url, path));

    private static async Task<string> ErrorOfAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("error").GetString()!;
    }

    /// <summary>
    /// A node whose app has a rule of its own before the peer protocol, by the path the pipeline
    /// sees: it records each path, and refuses (403) what lies under the base path.
    /// </summary>
    private static Task<TestServerHost> StartBehindAPathRuleAsync(GroupRegistry registry, List<string> seenPaths) =>
        TestServerHost.StartAsync(app =>
        {
            app.Use((context, next) =>
            {
                lock (seenPaths)
                {
                    seenPaths.Add(context.Request.Path.Value ?? string.Empty);
                }

                return context.Request.Path.StartsWithSegments("/_groupcache", StringComparison.Ordinal)
                    ? Results.StatusCode(StatusCodes.Status403Forbidden).ExecuteAsync(context)
                    : next(context);
            });
            app.UseGroupCachePeerProtocol(registry, new HttpPoolOptions());
        });

    private static async Task<string> SendRawAsync(string url, string requestLine)
    {
        int port = new Uri(url).Port;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"{requestLine}\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"));
        var buffer = new byte[16 * 1024];
        int have = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (have < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(have), timeout.Token);
            if (n == 0)
            {
                break;
            }

            have += n;
        }

        return Encoding.Latin1.GetString(buffer, 0, have);
    }
}
