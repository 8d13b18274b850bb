using CacheApp.Cluster;

namespace CacheApp.Tests.Cluster;

public class ClusterMessageValidatorTests
{
    private static MemberDigest Digest(string api, string gc) => new(api, gc, 1, 1, false, 0);

    [Fact]
    public void TryNormalize_ValidMessage_NormalisesAddresses()
    {
        var message = new ClusterMessage("HTTP://127.0.0.1:9001/", [Digest("http://LOCALHOST:9000/", "http://127.0.0.1:9001")]);

        Assert.True(ClusterMessageValidator.TryNormalize(message, out var normalized, out _));
        Assert.Equal("http://127.0.0.1:9001", normalized.From);
        Assert.Equal("http://localhost:9000", normalized.Members[0].ApiAddr);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:9000", "http://127.0.0.1:9001")]
    [InlineData("http://127.0.0.1:9000", "javascript:alert(1)")]
    [InlineData("http://127.0.0.1:9000/x", "http://127.0.0.1:9001")]
    public void TryNormalize_BadAddress_IsRejected(string api, string gc)
    {
        var message = new ClusterMessage("http://127.0.0.1:9001", [Digest(api, gc)]);

        Assert.False(ClusterMessageValidator.TryNormalize(message, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void TryNormalize_TooManyMembers_IsRejected()
    {
        var members = Enumerable.Range(0, 300).Select(i => Digest($"http://127.0.0.1:{10000 + (2 * i)}", $"http://127.0.0.1:{10001 + (2 * i)}")).ToArray();

        Assert.False(ClusterMessageValidator.TryNormalize(new ClusterMessage("http://127.0.0.1:10001", members), out _, out _));
    }

    [Fact]
    public void TryNormalize_NegativeCounters_AreRejected()
    {
        var message = new ClusterMessage("http://127.0.0.1:9001", [new MemberDigest("http://127.0.0.1:9000", "http://127.0.0.1:9001", -1, 0, false, 0)]);

        Assert.False(ClusterMessageValidator.TryNormalize(message, out _, out _));
    }

    [Fact]
    public void TryNormalize_Null_IsRejected()
    {
        Assert.False(ClusterMessageValidator.TryNormalize(null, out _, out _));
    }
}
