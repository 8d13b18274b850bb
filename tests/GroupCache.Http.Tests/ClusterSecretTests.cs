using System.Net;
using GroupCache.Http.Tests.Support;

namespace GroupCache.Http.Tests;

public sealed class ClusterSecretTests : IAsyncLifetime
{
    private readonly HttpClient _http = RawHttp.NewClient();
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(new HttpPoolOptions { ClusterSecret = "s3cret" });

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _node.DisposeAsync();
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("", HttpStatusCode.Unauthorized)]
    [InlineData("wrong", HttpStatusCode.Unauthorized)]
    [InlineData("s3cret", HttpStatusCode.OK)]
    public async Task Get_WithSecretHeader_IsAuthorizedOnlyWhenItMatches(string? secret, HttpStatusCode expected)
    {
        using var request = RawHttp.Request(HttpMethod.Get, _node.Url, "/_groupcache/data/k");
        if (secret is not null)
        {
            request.Headers.TryAddWithoutValidation(PeerProtocolHeaders.Secret, secret);
        }

        using var response = await _http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(expected == HttpStatusCode.OK ? 1 : 0, _node.Getter.CallsFor("k"));
    }

    [Fact]
    public async Task Delete_WithoutSecret_Returns401AndKeepsTheKey()
    {
        await _node.Group.GetAsync("kept");
        using var response = await _http.SendAsync(RawHttp.Request(HttpMethod.Delete, _node.Url, "/_groupcache/data/kept"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await _node.Group.GetAsync("kept");
        Assert.Equal(1, _node.Getter.CallsFor("kept"));
    }

    [Theory]
    [InlineData(" s3cret")]
    [InlineData("s3cret ")]
    [InlineData(" ")]
    public void HttpPool_SecretWithASpaceAtAnEnd_IsRefused(string secret)
    {
        // Kestrel strips the spaces around a header value: a node would refuse every peer with 401.
        var error = Assert.Throws<ArgumentException>(() => new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { ClusterSecret = secret }));

        Assert.Equal(nameof(HttpPoolOptions.ClusterSecret), error.ParamName);
        Assert.Contains("must not start or end with a space", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HttpPeerClient_SecretWithSpacesInside_FetchesFromTheProtectedNode()
    {
        var options = new HttpPoolOptions { ClusterSecret = "s3 cr  et" };
        await using var node = await TestNode.StartAsync(options);
        using var pool = new HttpPool("http://127.0.0.1:1", options);

        var response = await pool.ClientFor(node.Url).GetAsync("data", "k", CancellationToken.None);

        Assert.Equal("v:k", response.Value.ToString());
    }

    [Fact]
    public async Task HttpPeerClient_WithTheSecret_FetchesFromTheProtectedNode()
    {
        using var withSecret = new HttpPool("http://127.0.0.1:1", new HttpPoolOptions { ClusterSecret = "s3cret" });
        using var without = new HttpPool("http://127.0.0.1:1");

        var response = await withSecret.ClientFor(_node.Url).GetAsync("data", "k2", CancellationToken.None);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(async () => await without.ClientFor(_node.Url).GetAsync("data", "k2", CancellationToken.None));

        Assert.Equal("v:k2", response.Value.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
    }
}
