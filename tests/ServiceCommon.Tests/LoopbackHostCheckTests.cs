namespace ServiceCommon.Tests;

/// <summary>Which Host headers a loopback-only service answers; decided on strings alone.</summary>
public class LoopbackHostCheckTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.42")]
    [InlineData("[::1]")]
    [InlineData("::1")]
    [InlineData("localhost")]
    [InlineData("LOCALHOST")]
    [InlineData("node1.localhost")]
    [InlineData("cache.test")] // the service's own name (CacheApp's SELF_HOST)
    [InlineData("")]
    public void IsAllowed_LoopbackNamesAndSelf(string host)
    {
        Assert.True(LoopbackHostCheck.IsAllowed(host, selfHost: "cache.test"));
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
        Assert.False(LoopbackHostCheck.IsAllowed(host, selfHost: "cache.test"));
        Assert.False(LoopbackHostCheck.IsAllowed(host, selfHost: null));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.3", true)]
    [InlineData("::1", true)]
    [InlineData("[::1]", true)]
    [InlineData("localhost", true)]
    [InlineData("*", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData(null, false)]
    public void IsLoopbackOnly_OnlyForALoopbackBind(string? bindHost, bool expected)
    {
        Assert.Equal(expected, LoopbackHostCheck.IsLoopbackOnly(bindHost));
    }
}
