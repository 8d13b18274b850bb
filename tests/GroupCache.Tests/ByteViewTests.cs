using System.Text;

namespace GroupCache.Tests;

public class ByteViewTests
{
    [Fact]
    public void FromString_RoundTripsUtf8()
    {
        var view = ByteView.FromString("héllo 中文");

        Assert.Equal(Encoding.UTF8.GetByteCount("héllo 中文"), view.Length);
        Assert.Equal("héllo 中文", view.ToString());
        Assert.True(view.EqualsString("héllo 中文"));
        Assert.False(view.EqualsString("hello"));
    }

    [Fact]
    public void ByteView_EqualsString_IsFalseForBytesThatAreNotTheTextsUtf8()
    {
        // F1 80 80 is a 4-byte sequence cut short: it decodes to one U+FFFD, whose UTF-8 (EF BF BD)
        // is also 3 bytes long. Before, EqualsString compared the decoded string, so it said these
        // bytes were the UTF-8 of "\uFFFD".
        var truncated = new ByteView(new byte[] { 0xF1, 0x80, 0x80 });
        Assert.False(truncated.EqualsString("\uFFFD"));

        // A lone surrogate has no UTF-8 at all; the bytes U+FFFD takes are not it.
        Assert.False(ByteView.FromString("\uFFFD").EqualsString("\uD800"));

        Assert.True(ByteView.FromString("\uFFFD").EqualsString("\uFFFD"));
        Assert.True(ByteView.FromString("héllo 中文 😀").EqualsString("héllo 中文 😀"));
        Assert.True(ByteView.Empty.EqualsString(string.Empty));
        Assert.False(ByteView.FromString("ab").EqualsString("abc"));
        Assert.False(ByteView.FromString("abc").EqualsString("ab"));
        var large = new string('é', 1000);
        Assert.True(ByteView.FromString(large).EqualsString(large));
        Assert.False(ByteView.FromString(large).EqualsString(large[..999] + "e"));
    }

    [Fact]
    public void Constructor_DoesNotCopy_WhileToArrayDoes()
    {
        byte[] bytes = [1, 2, 3];
        var view = new ByteView(bytes);

        byte[] copy = view.ToArray();
        copy[0] = 9;

        Assert.Equal(1, view[0]);
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(view.AsMemory(), out var segment));
        Assert.Same(bytes, segment.Array);
    }

    [Fact]
    public void CopyOf_IsIndependentOfTheSource()
    {
        byte[] bytes = [1, 2, 3];
        var view = ByteView.CopyOf(bytes);
        bytes[0] = 7;

        Assert.Equal(1, view[0]);
    }

    [Fact]
    public void Slice_ReturnsTheRange()
    {
        var view = ByteView.FromString("abcdef");

        Assert.Equal("cde", view.Slice(2, 3).ToString());
        Assert.Equal("def", view.Slice(3).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => view.Slice(7));
    }

    [Fact]
    public void CopyTo_CopiesAtMostTheDestination()
    {
        var view = ByteView.FromString("abcdef");
        Span<byte> small = stackalloc byte[4];

        int n = view.CopyTo(small);

        Assert.Equal(4, n);
        Assert.Equal("abcd", Encoding.UTF8.GetString(small));
    }

    [Fact]
    public void Equality_ComparesBytes()
    {
        var a = ByteView.FromString("same");
        var b = new ByteView(Encoding.UTF8.GetBytes("same"));
        var c = ByteView.FromString("diff");

        Assert.True(a == b);
        Assert.True(a.Equals((object)b));
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a != c);
        Assert.Equal(ByteView.Empty, new ByteView(Array.Empty<byte>()));
        Assert.True(ByteView.Empty.IsEmpty);
    }
}
