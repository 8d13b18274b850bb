using System.Net;
using CacheApp.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TestRedirects;

namespace CacheApp.Tests.Dashboard;

/// <summary>
/// The dashboard's status fetch against a member that answers oddly: each odd answer is that
/// member's error, never an exception (which would fail the whole cluster view with a 500).
/// </summary>
public sealed class MemberStatusClientTests : IAsyncLifetime
{
    private WebApplication? _member;
    private string _url = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _member = builder.Build();
        _member.MapGet("/unknown-charset/api/admin/status", async (HttpContext ctx) =>
        {
            ctx.Response.ContentType = "application/json; charset=no-such-charset";
            await ctx.Response.WriteAsync("{\"node\":\"n\"}");
        });
        _member.MapGet("/{answer}/api/admin/status", (string answer) => answer switch
        {
            "not-a-status" => Results.Text("{\"hello\":1}", "application/json"),
            "not-json" => Results.Text("<html>hello</html>", "text/html"),
            "too-large" => Results.Text("{\"pad\":\"" + new string('x', 300 * 1024) + "\"}", "application/json"),
            "empty" => Results.Text("null", "application/json"),
            _ => Results.StatusCode(500),
        });
        await _member.StartAsync();
        _url = _member.Urls.Single().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        if (_member is not null)
        {
            await _member.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("unknown-charset", "not a status answer")]
    [InlineData("not-json", "not a status answer")]
    [InlineData("not-a-status", "not a status answer")]
    [InlineData("too-large", "request failed")]
    [InlineData("empty", "empty answer")]
    [InlineData("fails", "HTTP 500")]
    public async Task Fetch_OddAnswer_IsAnErrorForThatMember(string answer, string error)
    {
        using var client = new MemberStatusClient(null, TimeSpan.FromSeconds(5));

        var (status, reason, _) = await client.FetchAsync($"{_url}/{answer}", CancellationToken.None);

        Assert.Null(status);
        Assert.StartsWith(error, reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_MemberRedirects_IsAnErrorNamingTheStatus_AndTheSecretGoesNowhereElse()
    {
        await using var member = await RedirectingServer.StartAsync();
        using var client = new MemberStatusClient("cluster-secret", TimeSpan.FromSeconds(5));

        var (status, reason, _) = await client.FetchAsync(member.Url, CancellationToken.None);

        Assert.Null(status);
        Assert.Equal("HTTP 302", reason);
        Assert.Empty(member.ElsewhereRequests);
    }
}
