using CacheApp.Cluster;
using CacheApp.Configuration;

namespace CacheApp.Tests.Cluster;

/// <summary>Which Host headers a loopback-only node answers; decided on strings alone.</summary>
public class LoopbackHostFilterTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.42")]
    [InlineData("[::1]")]
    [InlineData("::1")]
    [InlineData("localhost")]
    [InlineData("LOCALHOST")]
    [InlineData("node1.localhost")]
    [InlineData("cache.test")] // this node's SELF_HOST
    [InlineData("")]
    public void IsAllowed_LoopbackNamesAndSelf(string host)
    {
        Assert.True(LoopbackHostFilter.IsAllowed(host, selfHost: "cache.test"));
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("localhost.evil.example")]
    [InlineData("127.0.0.1.evil.example")]
    [InlineData("[::2]")]
    [InlineData("0.0.0.0")]
    [InlineData("cache.test.evil.example")]
    public void IsAllowed_OtherNames_AreRefused(string host)
    {
        Assert.False(LoopbackHostFilter.IsAllowed(host, selfHost: "cache.test"));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("*", false)]
    public void Applies_OnlyToALoopbackBind(string bindHost, bool expected)
    {
        var env = new Dictionary<string, string> { ["SELF_HOST"] = "127.0.0.1", ["BIND_HOST"] = bindHost };

        var settings = SettingsLoader.Load(name => env.GetValueOrDefault(name), () => "127.0.0.1");

        Assert.Equal(expected, LoopbackHostFilter.Applies(settings));
    }
}
