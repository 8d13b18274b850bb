using SourceApp.Api;
using SourceApp.Storage;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Storage;

public class KeyOrderTests
{
    [Theory]
    [InlineData("a", "b")]
    [InlineData("a", "ab")]
    [InlineData("", "a")]
    [InlineData("Z", "a")]
    [InlineData("\uffff", "😀")] // UTF-16 order says the opposite
    [InlineData("\ue000", "\U00010000")]
    public void Compare_OrdersByCodePoint(string smaller, string larger)
    {
        Assert.True(KeyOrder.Compare(smaller, larger) < 0);
        Assert.True(KeyOrder.Compare(larger, smaller) > 0);
        Assert.Equal(0, KeyOrder.Compare(larger, larger));
        Assert.True(Keys.CompareUtf8(smaller, larger) < 0);
    }

    [Theory]
    [InlineData("abc", "abd")]
    [InlineData("a", "b")]
    [InlineData("a\U0010FFFF", "b")]
    [InlineData("\ud7ff", "\ue000")]
    [InlineData("x\uffff", "x\U00010000")]
    public void PrefixUpperBound_IncrementsTheLastCodePoint(string prefix, string expected)
    {
        Assert.Equal(expected, KeyOrder.PrefixUpperBound(prefix));
    }

    [Fact]
    public void PrefixUpperBound_OnlyMaxCodePoints_HasNone()
    {
        Assert.Null(KeyOrder.PrefixUpperBound("\U0010FFFF\U0010FFFF"));
    }

    [Fact]
    public void PrefixUpperBound_IsAboveEveryKeyWithThePrefixAndBelowTheRest()
    {
        string[] keys = ["ab", "ab\0", "abc", "ab\U0010FFFF", "ab\U0010FFFFz", "ac", "b", "aa\U0010FFFF", "a"];
        var upper = KeyOrder.PrefixUpperBound("ab")!;

        foreach (var key in keys)
        {
            var inRange = KeyOrder.Compare(key, "ab") >= 0 && KeyOrder.Compare(key, upper) < 0;
            Assert.Equal(key.StartsWith("ab", StringComparison.Ordinal), inRange);
        }
    }

    [Theory]
    [InlineData("apple")]
    [InlineData("a/b c+%?#")]
    [InlineData("😀€ключ")]
    public void Cursor_RoundTrips(string key)
    {
        var cursor = KeysApi.EncodeCursor(key);

        Assert.DoesNotContain('+', cursor);
        Assert.DoesNotContain('/', cursor);
        Assert.DoesNotContain('=', cursor);
        Assert.Equal(key, KeysApi.DecodeCursor(cursor));
    }

    [Theory]
    [InlineData("!!!")]
    [InlineData("_w")] // decodes to 0xFF: not UTF-8
    [InlineData("a")]
    public void DecodeCursor_NotACursor_IsNull(string cursor)
    {
        Assert.Null(KeysApi.DecodeCursor(cursor));
    }
}
