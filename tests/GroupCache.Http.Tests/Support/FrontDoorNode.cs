using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServiceTesting;

namespace GroupCache.Http.Tests.Support;

/// <summary>
/// A web app that uses the library the way the README teaches: <c>AddGroupCache</c> with settings
/// from an in-memory "GroupCache" section, <c>MapGroupCache</c>, Kestrel on 127.0.0.1 and a free port.
/// </summary>
internal sealed class FrontDoorNode : IAsyncDisposable
{
    private FrontDoorNode(WebApplication app, string url)
    {
        App = app;
        Url = url;
    }

    public WebApplication App { get; }

    /// <summary>"http://127.0.0.1:PORT", the node's Self.</summary>
    public string Url { get; }

    public HttpPool Pool => App.Services.GetRequiredService<HttpPool>();

    public Group Group(string name) => App.Services.GetRequiredKeyedService<Group>(name);

    /// <summary>A free port on 127.0.0.1 and its URL, for nodes that must know each other's address before they start.</summary>
    public static string NewUrl() => "http://127.0.0.1:" + FreePort.Next();

    /// <param name="url">The node's address (from <see cref="NewUrl"/>); it is also GroupCache:Self.</param>
    /// <param name="settings">More "GroupCache:..." settings.</param>
    /// <param name="addGroups">Registers the node's groups.</param>
    /// <param name="beforePeers">Middleware in front of MapGroupCache (to watch or hold peer requests).</param>
    public static async Task<FrontDoorNode> StartAsync(
        string url,
        IDictionary<string, string?>? settings,
        Action<IGroupCacheBuilder> addGroups,
        Action<WebApplication>? beforePeers = null,
        int[]? extraPorts = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var config = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["GroupCache:Self"] = url };
        builder.Configuration.AddInMemoryCollection(config);
        int port = new Uri(url).Port;
        builder.WebHost.UseKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, port);
            foreach (int extra in extraPorts ?? [])
            {
                o.Listen(IPAddress.Loopback, extra);
            }
        });
        addGroups(builder.Services.AddGroupCache());
        var app = builder.Build();
        beforePeers?.Invoke(app);
        app.MapGroupCache();
        await app.StartAsync();
        return new FrontDoorNode(app, url);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(stop.Token);
        await App.DisposeAsync();
    }
}
