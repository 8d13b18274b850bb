namespace GroupCache.Http.Tests;

public class PeerAddressTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080")]
    [InlineData("HTTP://LocalHost:8080/", "http://localhost:8080")]
    [InlineData("http://example.com", "http://example.com:80")]
    [InlineData("https://Example.COM", "https://example.com:443")]
    [InlineData("https://example.com:8443/", "https://example.com:8443")]
    [InlineData("  http://127.0.0.1:9000  ", "http://127.0.0.1:9000")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080")]
    [InlineData("http://[::1]", "http://[::1]:80")]
    [InlineData("http://cache-1.internal:8081/", "http://cache-1.internal:8081")]
    public void Normalize_ValidUrl_ReturnsCanonicalForm(string url, string expected)
    {
        Assert.Equal(expected, PeerAddress.Normalize(url));
        Assert.True(PeerAddress.TryNormalize(url, out string normalized, out string? error));
        Assert.Equal(expected, normalized);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("127.0.0.1:8080")]
    [InlineData("ftp://127.0.0.1:21")]
    [InlineData("http://")]
    [InlineData("http://127.0.0.1:8080/_groupcache/")]
    [InlineData("http://127.0.0.1:8080/x")]
    [InlineData("http://127.0.0.1:8080?a=1")]
    [InlineData("http://127.0.0.1:8080#frag")]
    [InlineData("http://user:pw@127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:99999")]
    public void Normalize_InvalidUrl_ThrowsFormatExceptionWithTheUrl(string url)
    {
        var ex = Assert.Throws<FormatException>(() => PeerAddress.Normalize(url));
        Assert.Contains(url.Trim(), ex.Message, StringComparison.Ordinal);
        Assert.False(PeerAddress.TryNormalize(url, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void TryNormalize_Null_ReturnsFalse()
    {
        Assert.False(PeerAddress.TryNormalize(null, out string normalized, out string? error));
        Assert.Equal(string.Empty, normalized);
        Assert.NotNull(error);
    }
}
