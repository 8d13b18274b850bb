namespace ServiceCommon.Tests;

/// <summary>The key rules both services share (formerly CacheApp's KeyDecoder and SourceApp's KeyPath).</summary>
public class DataKeyTests
{
    [Theory]
    [InlineData("/api/data/apple", "apple")]
    [InlineData("/api/data/a%2Fb", "a/b")]
    [InlineData("/api/data/a%2fb", "a/b")]
    [InlineData("/api/data/a/b", "a/b")]
    [InlineData("/api/data/a+b", "a+b")]
    [InlineData("/api/data/a%2Bb", "a+b")]
    [InlineData("/api/data/a%20b", "a b")]
    [InlineData("/api/data/100%25", "100%")]
    [InlineData("/api/data/what%3F", "what?")]
    [InlineData("/api/data/%23tag", "#tag")]
    [InlineData("/api/data/%E2%82%AC", "€")]
    [InlineData("/api/data/%F0%9F%98%80", "😀")]
    [InlineData("/api/data/€", "€")]
    [InlineData("/api/data/k?limit=1", "k")]
    [InlineData("/API/DATA/k", "k")]
    [InlineData("http://127.0.0.1:8086/api/data/a%2Fb", "a/b")]
    [InlineData("/api/data/%00", "\0")]
    [InlineData("/api/data/...", "...")] // not a dot segment
    [InlineData("/api/data/.a", ".a")]
    public void TryDecodeTarget_EncodedKey_DecodesExactly(string target, string expected)
    {
        Assert.True(DataKey.TryDecodeTarget(target, out var key, out var error), error);
        Assert.Equal(expected, key);
    }

    [Theory]
    [InlineData("/api/data/", "the key is empty")]
    [InlineData("/api/data/?x=1", "the key is empty")]
    [InlineData("/api/data/%", "the key has invalid percent-encoding")]
    [InlineData("/api/data/%4", "the key has invalid percent-encoding")]
    [InlineData("/api/data/%zz", "the key has invalid percent-encoding")]
    [InlineData("/api/data/a%g1", "the key has invalid percent-encoding")]
    [InlineData("/api/data/%FF", "the key is not valid UTF-8")]
    [InlineData("/api/data/%C3%28", "the key is not valid UTF-8")]
    [InlineData("/api/data/%ED%A0%80", "the key is not valid UTF-8")] // an encoded surrogate
    [InlineData("/api/data/%E2%82", "the key is not valid UTF-8")] // truncated
    [InlineData("/api/keys/x", "the key must follow /api/data/ in the path")]
    [InlineData("/api/data/.", "the key cannot be \".\" or \"..\": URLs resolve such a path segment away")]
    [InlineData("/api/data/..", "the key cannot be \".\" or \"..\": URLs resolve such a path segment away")]
    [InlineData("/api/data/%2e", "the key cannot be \".\" or \"..\": URLs resolve such a path segment away")]
    [InlineData("/api/data/%2E.", "the key cannot be \".\" or \"..\": URLs resolve such a path segment away")]
    public void TryDecodeTarget_BadKey_Fails(string target, string expected)
    {
        Assert.False(DataKey.TryDecodeTarget(target, out var key, out var error));
        Assert.Null(key);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryDecode_250Bytes_IsAccepted()
    {
        var encoded = string.Concat(Enumerable.Repeat("%E2%82%AC", 83)) + "a"; // 83 × 3 + 1 = 250 bytes

        Assert.True(DataKey.TryDecode(encoded, out var key, out _));
        Assert.Equal(250, System.Text.Encoding.UTF8.GetByteCount(key));
    }

    [Theory]
    [InlineData(251)]
    [InlineData(751)]
    [InlineData(5000)]
    public void TryDecode_LongerThan250Bytes_Fails(int bytes)
    {
        Assert.False(DataKey.TryDecode(new string('k', bytes), out _, out var error));
        Assert.Equal("the key is longer than 250 bytes", error);
    }

    [Fact]
    public void TryDecode_EncodedTo251Bytes_Fails()
    {
        var encoded = string.Concat(Enumerable.Repeat("%E2%82%AC", 83)) + "ab";

        Assert.False(DataKey.TryDecode(encoded, out _, out var error));
        Assert.Equal("the key is longer than 250 bytes", error);
    }

    [Fact]
    public void IsValidText_Checks()
    {
        // Built here, not in InlineData: xunit's test-case serialisation would replace lone surrogates.
        Assert.True(DataKey.IsValidText("a"));
        Assert.True(DataKey.IsValidText("😀"));
        Assert.True(DataKey.IsValidText(new string('k', 250)));
        Assert.False(DataKey.IsValidText(new string('k', 251)));
        Assert.False(DataKey.IsValidText(""));
        Assert.False(DataKey.IsValidText(new string('\ud800', 1)));
        Assert.False(DataKey.IsValidText("x" + new string('\udc00', 1)));
        Assert.False(DataKey.IsValidText(new string('\ude00', 1) + new string('\ud83d', 1)));
    }

    [Theory]
    [InlineData("apple", "apple")]
    [InlineData("a%2Fb", "a/b")]
    [InlineData("a/b", "a/b")]
    [InlineData("a+b", "a+b")]
    [InlineData("a%2Bb", "a+b")]
    [InlineData("a%20b", "a b")]
    [InlineData("%C3%BC%E2%82%AC", "ü€")]
    [InlineData("%25", "%")]
    [InlineData("%3F%23%26%3D", "?#&=")]
    public void TryDecode_EncodedKeys_Decode(string encoded, string expected)
    {
        Assert.True(DataKey.TryDecode(encoded, out string? key, out _));
        Assert.Equal(expected, key);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("%", "percent-encoding")]
    [InlineData("%2", "percent-encoding")]
    [InlineData("%zz", "percent-encoding")]
    [InlineData("%FF", "UTF-8")]
    [InlineData("%C3", "UTF-8")]
    public void TryDecode_BadKeys_AreRejected(string encoded, string reason)
    {
        Assert.False(DataKey.TryDecode(encoded, out _, out string? error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void TryDecode_LoneSurrogateWithoutPercent_IsRejected()
    {
        // Raw (unencoded) characters take the same checks as decoded bytes: a lone surrogate has no UTF-8.
        Assert.False(DataKey.TryDecode("a" + new string('\ud800', 1), out _, out string? error));
        Assert.Equal("the key is not valid UTF-8", error);
    }

    [Fact]
    public void TryDecode_250AsciiOr250EncodedBytes_IsAccepted()
    {
        Assert.True(DataKey.TryDecode(new string('k', 250), out _, out _));
        Assert.True(DataKey.TryDecode(string.Concat(Enumerable.Repeat("%41", 250)), out _, out _));
        Assert.False(DataKey.TryDecode(string.Concat(Enumerable.Repeat("%C3%BC", 126)), out _, out _));
    }
}
