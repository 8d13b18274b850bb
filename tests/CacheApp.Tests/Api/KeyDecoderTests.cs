using CacheApp.Api;

namespace CacheApp.Tests.Api;

public class KeyDecoderTests
{
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
        Assert.True(KeyDecoder.TryDecode(encoded, out string? key, out _));
        Assert.Equal(expected, key);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("%", "malformed")]
    [InlineData("%2", "malformed")]
    [InlineData("%zz", "malformed")]
    [InlineData("%FF", "UTF-8")]
    [InlineData("%C3", "UTF-8")]
    public void TryDecode_BadKeys_AreRejected(string encoded, string reason)
    {
        Assert.False(KeyDecoder.TryDecode(encoded, out _, out string? error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void TryDecode_250Bytes_IsAccepted()
    {
        Assert.True(KeyDecoder.TryDecode(new string('k', 250), out _, out _));
        Assert.True(KeyDecoder.TryDecode(string.Concat(Enumerable.Repeat("%41", 250)), out _, out _));
    }

    [Fact]
    public void TryDecode_251Bytes_IsRejected()
    {
        Assert.False(KeyDecoder.TryDecode(new string('k', 251), out _, out string? error));
        Assert.Contains("250", error);
        Assert.False(KeyDecoder.TryDecode(string.Concat(Enumerable.Repeat("%C3%BC", 126)), out _, out _));
    }
}
