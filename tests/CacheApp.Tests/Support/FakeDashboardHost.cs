using System.Net;
using CacheApp.Dashboard;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CacheApp.Tests.Support;

/// <summary>
/// The dashboard's page (the node's own embedded files) on 127.0.0.1 over a scripted
/// <c>/api/admin/cluster</c>: the test says which members are listed, which answer, and how much each
/// counter grows per answer; every answer advances each listed member's uptime by one second. So the
/// page's rates are exact, whatever the real time between its polls.
/// </summary>
internal sealed class FakeDashboardHost : IAsyncDisposable
{
    private static readonly string[] AssetNames = ["dashboard.js", "dashboard.css", "favicon.svg"];

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<FakeMember> _members = [];

    private FakeDashboardHost(WebApplication app) => _app = app;

    /// <summary>The page's address.</summary>
    public string DashboardUrl { get; private set; } = "";

    public static async Task<FakeDashboardHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var host = new FakeDashboardHost(app);
        app.MapGet("/dashboard", () => Results.Bytes(DashboardAssets.Get("dashboard.html"), "text/html; charset=utf-8"));
        foreach (string name in AssetNames)
        {
            string type = name.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript" : name.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "image/svg+xml";
            app.MapGet("/dashboard/" + name, () => Results.Bytes(DashboardAssets.Get(name), type));
        }

        app.MapGet("/api/admin/cluster", () => Results.Json(host.NextAnswer(), DashboardJsonContext.Default.ClusterResponse));
        await app.StartAsync();
        host.DashboardUrl = app.Urls.Single().TrimEnd('/') + "/dashboard";
        return host;
    }

    /// <summary>Lists a member from the next answer on; it answers (is reachable) until told otherwise.</summary>
    public FakeMember Add(string groupcacheAddr)
    {
        var member = new FakeMember(groupcacheAddr);
        lock (_gate)
        {
            _members.Add(member);
        }

        return member;
    }

    /// <summary>Leaves the member out of every answer from the next one on.</summary>
    public void Remove(FakeMember member)
    {
        lock (_gate)
        {
            _members.Remove(member);
        }
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private ClusterResponse NextAnswer()
    {
        lock (_gate)
        {
            var members = _members.Select(m => m.Answer()).ToArray();
            string[] ring = [.. _members.Select(m => m.GroupcacheAddr)];
            return new ClusterResponse("http://127.0.0.1:1", "fake", DateTimeOffset.UtcNow, "static", 50, ring, null, members);
        }
    }
}
