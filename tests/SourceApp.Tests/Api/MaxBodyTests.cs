using System.Net;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Api;

public class MaxBodyTests
{
    [Fact]
    public async Task Put_MaxBodyFlag_SetsTheLimitInBytes()
    {
        await using var app = new SourceAppFactory(new Dictionary<string, string> { ["max-body"] = "64" });
        using var client = app.CreateClient();
        var fits = "{\"value\":\"" + new string('x', 64 - 12) + "\"}"; // exactly 64 bytes
        var over = "{\"value\":\"" + new string('x', 64 - 11) + "\"}"; // 65 bytes

        var ok = await client.PutAsync("/api/data/k", Keys.Json(fits));
        var tooLarge = await client.PutAsync("/api/data/k", Keys.Json(over));

        Assert.Equal(64, System.Text.Encoding.UTF8.GetByteCount(fits));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        await DataApiTests.AssertErrorAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(new string('x', 52), (await app.Store.GetAsync("k"))?.Value);
    }

    [Theory]
    [InlineData(256L * 1024 * 1024 + 1)]
    [InlineData(int.MaxValue)]
    [InlineData(3_000_000_000L)]
    [InlineData(long.MaxValue)]
    public async Task Put_HugeDeclaredLength_AtTheLargestMaxBody_Returns413(long declared)
    {
        // Declared, never sent: HttpClient will not send such a header, so it goes over a raw socket.
        await using var app = new SourceAppFactory(new Dictionary<string, string> { ["max-body"] = "268435456" });
        using var client = app.CreateClient();

        string answer = await RawHttp.PutAsync(client.BaseAddress!, $"Content-Length: {declared}", []);

        RawHttp.Assert413(answer);
        Assert.Null(await app.Store.GetAsync("big"));
    }
}
