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
}
