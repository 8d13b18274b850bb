using CacheApp;
using CacheApp.Configuration;
using CacheApp.Telemetry;
using ServiceCommon;

// A groupcache node: configuration from the environment (a bad value stops the process here),
// the API on API_PORT, the peer protocol on GROUPCACHE_PORT, the ring from DISCOVERY.
CacheAppSettings settings;
try
{
    settings = SettingsLoader.Load(Environment.GetEnvironmentVariable, SystemInterfaces.DetectInternalHost);
}
catch (SettingsException ex)
{
    await Console.Error.WriteLineAsync("CacheApp: invalid configuration:" + Environment.NewLine + ex.Message);
    return 2;
}

// The content root is the executable's folder, not the working directory: the host watches its
// content root for appsettings files, and on Linux that watch walks every folder below it (started
// from /tmp, 300 ms before the first healthy answer; from a large tree, longer). The slim builder
// leaves out what a node does not use (HTTPS and HTTP/3 set-up, IIS, static web assets, regex route
// constraints, the debug and event-source loggers): a smaller AOT executable and a quicker start.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.ListenOn(settings);
});
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

// Hosting starts an Activity for every request whenever its logger is on at any level, only to
// scope request logs we do not write; that Activity then flows into every peer fetch. Off, a hit
// or a peer request costs measurably less CPU. Kestrel's own errors still log.
builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
try
{
    builder.Services.AddCacheNode(settings);
}
catch (SettingsException ex)
{
    // A discovery mode this build cannot serve (DISCOVERY=kubernetes in the Native AOT build).
    await Console.Error.WriteLineAsync("CacheApp: invalid configuration:" + Environment.NewLine + ex.Message);
    return 2;
}

builder.Services.AddCacheNodeTelemetry(settings);
builder.Services.AddStartupMemoryRelease();

var app = builder.Build();
app.UseCacheNode(settings);
app.MapHealthAndMetrics();
if (Gen0Budget.Mismatch(Environment.GetEnvironmentVariable(Gen0Budget.Variable), Gen0Budget.AppliedMaxBytes()) is { } gen0Warning)
{
    app.Logger.LogWarning("{Gen0Budget}", gen0Warning);
}

app.Logger.LogInformation(
    "CacheApp {Node}: API {Api}, groupcache {GroupCache}, source {Source}, group {Group} ({Bytes} bytes), discovery {Discovery}",
    settings.NodeName, settings.SelfApiAddr, settings.SelfGroupCacheAddr, settings.SourceUrl, settings.GroupName, settings.CacheBytes,
    settings.Discovery switch
    {
        DiscoveryMode.Gossip => "gossip, initial peers: " + string.Join(',', settings.InitialPeers),
        DiscoveryMode.Dns => $"dns, {settings.DnsName} every {settings.DnsInterval.TotalSeconds}s via {settings.DnsServer?.ToString() ?? "the system resolver"}",
        DiscoveryMode.Kubernetes => $"kubernetes, service {settings.KubernetesService}",
        _ => "static (GROUPCACHE_PEERS)",
    });
try
{
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
{
    // Kestrel reports a busy port as an IOException ("address already in use"); an address this
    // host does not have (BIND_HOST) or a port it may not open (below 1024) as a SocketException.
    await Console.Error.WriteLineAsync($"CacheApp: cannot listen on API_PORT {settings.ApiPort} / GROUPCACHE_PORT {settings.GroupCachePort}: {ex.Message}");
    return 1;
}
