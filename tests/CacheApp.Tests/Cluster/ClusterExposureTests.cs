using CacheApp.Cluster;
using CacheApp.Configuration;
using CacheApp.Tests.Support;
using Microsoft.Extensions.Logging;

namespace CacheApp.Tests.Cluster;

/// <summary>The start-up decision "cluster messages from the network without a secret", decided on settings alone: no test binds beyond loopback.</summary>
public class ClusterExposureTests
{
    private static CacheAppSettings Settings(params (string Name, string Value)[] vars)
    {
        var env = vars.ToDictionary(v => v.Name, v => v.Value);
        return SettingsLoader.Load(name => env.GetValueOrDefault(name), () => "10.1.2.3");
    }

    [Theory]
    [InlineData(null, true)] // all interfaces, the default with a detected internal IP
    [InlineData("*", true)]
    [InlineData("0.0.0.0", true)]
    [InlineData("::", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("192.168.1.20", true)]
    [InlineData("127.0.0.1", false)]
    [InlineData("127.0.0.2", false)]
    [InlineData("::1", false)]
    [InlineData("localhost", false)]
    public void IsOpenToTheNetwork_NoSecret_DependsOnTheBindAddress(string? bindHost, bool expected)
    {
        var settings = bindHost is null ? Settings() : Settings(("BIND_HOST", bindHost));

        Assert.Equal(expected, ClusterExposure.IsOpenToTheNetwork(settings));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("10.1.2.3")]
    public void IsOpenToTheNetwork_WithSecret_IsFalse(string? bindHost)
    {
        var settings = bindHost is null ? Settings(("CLUSTER_SECRET", "s")) : Settings(("CLUSTER_SECRET", "s"), ("BIND_HOST", bindHost));

        Assert.False(ClusterExposure.IsOpenToTheNetwork(settings));
    }

    [Fact]
    public void IsOpenToTheNetwork_StaticRing_IsFalseBecauseNoClusterMessageIsAccepted()
    {
        var settings = Settings(("SELF_HOST", "10.1.2.3"), ("GROUPCACHE_PEERS", "http://10.1.2.3:8081"));

        Assert.False(ClusterExposure.IsOpenToTheNetwork(settings));
    }

    [Fact]
    public void WarnIfOpen_AllInterfacesWithoutSecret_LogsOneWarningNamingTheFix()
    {
        var logger = new RecordingLogger();

        ClusterExposure.WarnIfOpen(logger, Settings());

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("all interfaces", entry.Message);
        Assert.Contains("CLUSTER_SECRET", entry.Message);
    }

    [Theory]
    [InlineData("static")]
    [InlineData("dns")]
    public void WarnIfOpen_NoGossipAllInterfacesWithoutSecret_WarnsThatStrangersCanEmptyTheCaches(string mode)
    {
        var vars = new List<(string, string)> { ("SELF_HOST", "127.0.0.1"), ("BIND_HOST", "*") };
        vars.AddRange(mode == "static"
            ? [("GROUPCACHE_PEERS", "http://127.0.0.1:8081")]
            : [("DISCOVERY", "dns"), ("DNS_NAME", "ring.g.test")]);
        var settings = Settings([.. vars]);
        var logger = new RecordingLogger();

        ClusterExposure.WarnIfOpen(logger, settings);

        Assert.False(ClusterExposure.IsOpenToTheNetwork(settings));
        Assert.True(ClusterExposure.TakesInvalidationsFromTheNetwork(settings));
        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("forget keys", entry.Message);
        Assert.Contains("CLUSTER_SECRET", entry.Message);
        Assert.Contains("{key}", entry.Message);
    }

    [Theory]
    [InlineData("127.0.0.1", null)]
    [InlineData(null, "s3cret")]
    public void WarnIfOpen_LoopbackOrSecret_LogsNothing(string? bindHost, string? secret)
    {
        var vars = new List<(string, string)>();
        if (bindHost is not null)
        {
            vars.Add(("BIND_HOST", bindHost));
        }

        if (secret is not null)
        {
            vars.Add(("CLUSTER_SECRET", secret));
        }

        var logger = new RecordingLogger();

        ClusterExposure.WarnIfOpen(logger, Settings([.. vars]));

        Assert.Empty(logger.Entries);
    }
}
