using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace TestRedirects;

/// <summary>
/// Two servers on 127.0.0.1 (free ports): one that answers every request with a redirect to the
/// other, and the other ("elsewhere"), which answers 200 with a small JSON record and remembers each
/// request it gets with the cluster secret it carried. A client that follows redirects sends its
/// request, secret included, elsewhere; one that does not never reaches it. One file, compiled into
/// each test project that needs it (a &lt;Compile Include&gt; link).
/// </summary>
internal sealed class RedirectingServer : IAsyncDisposable
{
    /// <summary>The value elsewhere answers with, as the source answers a read.</summary>
    public const string ElsewhereValue = "from elsewhere";

    private readonly WebApplication _redirecting;
    private readonly WebApplication _elsewhere;
    private readonly ConcurrentQueue<string> _elsewhereRequests = new();

    private RedirectingServer(WebApplication redirecting, WebApplication elsewhere)
    {
        _redirecting = redirecting;
        _elsewhere = elsewhere;
    }

    /// <summary>The redirecting server's base URL, <c>http://127.0.0.1:port</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>"METHOD path secret=…" of each request elsewhere got.</summary>
    public IReadOnlyCollection<string> ElsewhereRequests => _elsewhereRequests;

    /// <param name="status">The redirect's status (302 by default; 307 and 308 keep the method and body).</param>
    public static async Task<RedirectingServer> StartAsync(int status = StatusCodes.Status302Found)
    {
        var elsewhere = Build();
        var redirecting = Build();
        var server = new RedirectingServer(redirecting, elsewhere);
        elsewhere.Run(async context =>
        {
            server._elsewhereRequests.Enqueue($"{context.Request.Method} {context.Request.Path} secret={context.Request.Headers["X-GroupCache-Secret"]}");
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"key":"k","value":"{{ElsewhereValue}}"}""");
        });
        await elsewhere.StartAsync();
        string elsewhereUrl = BaseUrl(elsewhere);
        redirecting.Run(context =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.Location = elsewhereUrl + context.Request.Path + context.Request.QueryString;
            return Task.CompletedTask;
        });
        await redirecting.StartAsync();
        server.Url = BaseUrl(redirecting);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _redirecting.DisposeAsync();
        await _elsewhere.DisposeAsync();
    }

    private static WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        return builder.Build();
    }

    private static string BaseUrl(WebApplication app) => app.Urls.Single().TrimEnd('/');
}
