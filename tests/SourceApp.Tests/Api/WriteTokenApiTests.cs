using System.Net;
using System.Net.Http.Headers;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Api;

public sealed class WriteTokenApiTests : IAsyncLifetime
{
    private SourceAppFactory _app = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _app = new SourceAppFactory(new Dictionary<string, string> { ["token"] = "s3cret" });
        _client = _app.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string? authorization)
    {
        var request = new HttpRequestMessage(method, path);
        if (method == HttpMethod.Put)
        {
            request.Content = Keys.ValueBody("v");
        }

        if (authorization is not null)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        return request;
    }

    [Theory]
    [InlineData("PUT", null)]
    [InlineData("PUT", "Bearer wrong")]
    [InlineData("PUT", "Basic czNjcmV0")]
    [InlineData("DELETE", null)]
    [InlineData("DELETE", "Bearer s3cret-not")]
    public async Task Write_WithoutTheToken_Returns401AndChangesNothing(string method, string? authorization)
    {
        var response = await _client.SendAsync(Request(new HttpMethod(method), "/api/data/apple", authorization));

        await DataApiTests.AssertErrorAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("A crisp red apple", (await _app.Store.GetAsync("apple"))?.Value);
    }

    [Fact]
    public async Task Write_WithTheToken_IsApplied()
    {
        var put = await _client.SendAsync(Request(HttpMethod.Put, "/api/data/apple", "Bearer s3cret"));
        var delete = await _client.SendAsync(Request(HttpMethod.Delete, "/api/data/banana", "Bearer s3cret"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal("v", (await _app.Store.GetAsync("apple"))?.Value);
        Assert.Null(await _app.Store.GetAsync("banana"));
    }

    [Fact]
    public async Task Write_TokenConfiguredWithATrailingNewline_AcceptsTheTokenWithoutIt()
    {
        // As a token read from a mounted secret file arrives.
        await using var app = new SourceAppFactory(new Dictionary<string, string> { ["token"] = "s3cret\n" });
        using var client = app.CreateClient();

        var put = await client.SendAsync(Request(HttpMethod.Put, "/api/data/apple", "Bearer s3cret"));
        var refused = await client.SendAsync(Request(HttpMethod.Put, "/api/data/apple", "Bearer wrong"));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("v", (await app.Store.GetAsync("apple"))?.Value);
    }

    [Fact]
    public async Task Read_NeedsNoToken()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/data/apple")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/api/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health")).StatusCode);
    }
}
