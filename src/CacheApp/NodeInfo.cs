using System.Reflection;
using CacheApp.Configuration;

namespace CacheApp;

/// <summary>Who this node is and since when, for the admin and health endpoints.</summary>
public sealed class NodeInfo(CacheAppSettings settings, TimeProvider time)
{
    public CacheAppSettings Settings { get; } = settings;

    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public TimeSpan Uptime => time.GetUtcNow() - StartedAt;

    /// <summary>The informational version without its "+commit" suffix.</summary>
    public string Version { get; } =
        (typeof(NodeInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+')[0];
}
