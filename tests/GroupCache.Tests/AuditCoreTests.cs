using GroupCache.Lru;

namespace GroupCache.Tests;

/// <summary>Defects found by the core review (branch review-core), one test each.</summary>
public class AuditCoreTests
{
    /// <summary>
    /// Two different strings made only of lone low surrogates (each becomes U+FFFD, EF BF BD, in
    /// UTF-8) whose randomised hashes are equal: found by a birthday search over 2-char strings.
    /// </summary>
    private static (string First, string Second) LoneSurrogateKeysWithEqualHashes()
    {
        var seen = new Dictionary<int, string>();
        for (int i = 0; i < 1024; i++)
        {
            for (int j = 0; j < 1024; j++)
            {
                string key = string.Create(2, (i, j), static (chars, ij) =>
                {
                    chars[0] = (char)(0xDC00 + ij.i);
                    chars[1] = (char)(0xDC00 + ij.j);
                });
                if (seen.TryGetValue(key.GetHashCode(), out string? other))
                {
                    return (other, key);
                }

                seen.Add(key.GetHashCode(), key);
            }
        }

        throw new InvalidOperationException("no two of 2^20 strings had equal hashes");
    }

    [Fact]
    public void ConcurrentLru_DifferentKeysWithTheSameUtf8AndHash_AreNotOneKey()
    {
        var (first, second) = LoneSurrogateKeysWithEqualHashes();
        Assert.NotEqual(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());

        var cache = new ConcurrentLru();

        // Before: the cache stored the first key as U+FFFD U+FFFD and handed its value out for the
        // second key (same UTF-8, same hash). A key without a UTF-8 form cannot be stored faithfully:
        // now Add refuses it, and no lookup with such a key finds anything.
        try
        {
            cache.Add(first, ByteView.FromString("first's value"));
        }
        catch (ArgumentException)
        {
        }

        bool found = cache.TryGet(second, out var wrong, out _);
        Assert.False(found, found ? $"the second key got the first key's value: {wrong}" : null);
        Assert.False(cache.Remove(second));
        Assert.Throws<ArgumentException>(() => cache.Add(second, ByteView.FromString("second's value")));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);

        // A well-formed key with the same UTF-8 is its own key, and the lone-surrogate ones are not it.
        cache.Add("\uFFFD\uFFFD", ByteView.FromString("replacement chars"));
        Assert.False(cache.TryGet(first, out _, out _));
        Assert.False(cache.Remove(second));
        Assert.True(cache.TryGet("\uFFFD\uFFFD", out var value, out _));
        Assert.Equal("replacement chars", value.ToString());
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
}
