using System.Net;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Api;

/// <summary>The service on 127.0.0.1 refuses requests addressed to another name (DNS rebinding).</summary>
public sealed class HostCheckTests
{
    [Fact]
    public async Task Write_UnderAnotherHostName_Is400AndChangesNothing_WhileLoopbackNamesWork()
    {
        await using var app = new SourceAppFactory();
        using var client = app.CreateClient();
        var port = client.BaseAddress!.Port;

        async Task<HttpResponseMessage> PutAsync(string host, string value)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, "/api/data/k") { Content = Keys.ValueBody(value) };
            request.Headers.Host = $"{host}:{port}";
            return await client.SendAsync(request);
        }

        using var forged = await PutAsync("evil.example", "forged");
        using var local = await PutAsync("localhost", "local");

        await DataApiTests.AssertErrorAsync(forged, HttpStatusCode.BadRequest);
        Assert.Equal(HttpStatusCode.Created, local.StatusCode);
        Assert.Equal("local", (await app.Store.GetAsync("k"))?.Value);
    }
}
