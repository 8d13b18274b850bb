using GroupCache.Lru;

namespace GroupCache.Tests.Lru;

public class LruCacheTests
{
    private static ByteView V(string s) => ByteView.FromString(s);

    [Theory]
    [InlineData("myKey", "myKey")]
    [InlineData("", "")]
    [InlineData("中文", "中文")]
    public void TryGet_AfterAdd_FindsTheValue(string key, string lookup)
    {
        var lru = new LruCache();
        lru.Add(key, V("1234"));

        Assert.True(lru.TryGet(lookup, out var value));
        Assert.Equal("1234", value.ToString());
        Assert.False(lru.TryGet(key + "x", out _));
        Assert.Equal(2, lru.Gets);
        Assert.Equal(1, lru.Hits);
    }

    [Fact]
    public void Add_WeighsKeyBytesPlusValueBytes()
    {
        var lru = new LruCache();
        lru.Add("ab", V("12345"));
        lru.Add("中", V("x")); // 3 UTF-8 bytes + 1

        Assert.Equal(2 + 5 + 3 + 1, lru.Bytes);
        Assert.Equal(2, lru.Count);
    }

    [Fact]
    public void Add_ReplacingAKey_CountsItsBytesOnce()
    {
        var lru = new LruCache();
        lru.Add("key", V("12345"));
        lru.Add("key", V("12"));

        Assert.Equal(3 + 2, lru.Bytes);
        Assert.Equal(1, lru.Count);
        Assert.True(lru.TryGet("key", out var v));
        Assert.Equal("12", v.ToString());
    }

    [Fact]
    public void Add_OverBudget_EvictsLeastRecentlyUsed()
    {
        var evicted = new List<string>();
        var lru = new LruCache(maxBytes: 20) { OnEvicted = (k, _) => evicted.Add(k) };
        lru.Add("a", V("123456789")); // 10
        lru.Add("b", V("123456789")); // 20
        Assert.True(lru.TryGet("a", out _)); // a is now newer than b

        lru.Add("c", V("123456789")); // 30 > 20: b goes

        Assert.Equal(["b"], evicted);
        Assert.Equal(20, lru.Bytes);
        Assert.Equal(1, lru.Evictions);
        Assert.Equal(["c", "a"], lru.KeysNewestFirst());
    }

    [Fact]
    public void RemoveOldest_RemovesInLeastRecentOrder()
    {
        var lru = new LruCache();
        lru.Add("1", V("a"));
        lru.Add("2", V("b"));
        lru.Add("3", V("c"));
        lru.TryGet("1", out _);

        Assert.True(lru.RemoveOldest());
        Assert.Equal(["1", "3"], lru.KeysNewestFirst());
        Assert.True(lru.RemoveOldest());
        Assert.True(lru.RemoveOldest());
        Assert.False(lru.RemoveOldest());
        Assert.Equal(0, lru.Bytes);
        Assert.Equal(3, lru.Evictions);
    }

    [Fact]
    public void Remove_CallsBackAndForgetsTheKey()
    {
        string? gone = null;
        var lru = new LruCache { OnEvicted = (k, _) => gone = k };
        lru.Add("myKey", V("1234"));

        Assert.True(lru.Remove("myKey"));
        Assert.Equal("myKey", gone);
        Assert.False(lru.TryGet("myKey", out _));
        Assert.False(lru.Remove("myKey"));
        Assert.Equal(0, lru.Bytes);
        Assert.Equal(0, lru.Evictions);
    }

    [Fact]
    public void TryGet_ReturnsTheStoredExpiry()
    {
        var lru = new LruCache();
        lru.Add("k", V("v"), expiresAt: 42);

        Assert.True(lru.TryGet("k", out _, out long expiresAt));
        Assert.Equal(42, expiresAt);
    }

    [Fact]
    public void Clear_EmptiesEverything()
    {
        int calls = 0;
        var lru = new LruCache { OnEvicted = (_, _) => calls++ };
        for (int i = 0; i < 10; i++)
        {
            lru.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture), V("x"));
        }

        lru.Clear();

        Assert.Equal(0, lru.Count);
        Assert.Equal(0, lru.Bytes);
        Assert.Equal(10, calls);
    }
}
