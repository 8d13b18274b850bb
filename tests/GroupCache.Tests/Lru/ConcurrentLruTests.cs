using System.Globalization;
using GroupCache.Lru;

namespace GroupCache.Tests.Lru;

public class ConcurrentLruTests
{
    private static ByteView V(string s) => ByteView.FromString(s);

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
    public void TryGet_AfterAdd_FindsTheValueAndCounts()
    {
        var cache = new ConcurrentLru();
        cache.Add("k", V("1234"), expiresAt: 0);

        Assert.True(cache.TryGet("k", out var value, out long expiresAt));
        Assert.False(cache.TryGet("other", out _, out _));

        Assert.Equal("1234", value.ToString());
        Assert.Equal(0, expiresAt);
        var stats = cache.Stats();
        Assert.Equal(2, stats.Gets);
        Assert.Equal(1, stats.Hits);
        Assert.Equal(1, stats.Items);
        Assert.Equal(1 + 4, stats.Bytes);
    }

    [Fact]
    public void Add_ReplacingAKey_CountsItsBytesOnce()
    {
        var cache = new ConcurrentLru();
        cache.Add("key", V("12345"));
        cache.Add("key", V("12"));

        Assert.Equal(3 + 2, cache.Bytes);
        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet("key", out var value, out _));
        Assert.Equal("12", value.ToString());
    }

    [Fact]
    public void RemoveOldest_WithoutReads_EvictsInInsertionOrder()
    {
        var cache = new ConcurrentLru();
        cache.Add("a", V("1"));
        cache.Add("b", V("2"));
        cache.Add("c", V("3"));

        Assert.True(cache.RemoveOldest());

        Assert.Equal(["c", "b"], cache.KeysNewestFirst());
        Assert.Equal(1, cache.Stats().Evictions);
    }

    [Fact]
    public void RemoveOldest_GivesAnEntryReadSinceASecondChance()
    {
        var cache = new ConcurrentLru();
        cache.Add("a", V("1"));
        cache.Add("b", V("2"));
        cache.Add("c", V("3"));
        Assert.True(cache.TryGet("a", out _, out _));

        Assert.True(cache.RemoveOldest());

        // "a" was read, so "b" went first; "a" now counts as the newest.
        Assert.Equal(["a", "c"], cache.KeysNewestFirst());
        Assert.True(cache.RemoveOldest());
        Assert.Equal(["a"], cache.KeysNewestFirst());
    }

    [Fact]
    public void RemoveOldest_EveryEntryRead_StillEvictsOne()
    {
        var cache = new ConcurrentLru();
        cache.Add("a", V("1"));
        cache.Add("b", V("2"));
        cache.TryGet("a", out _, out _);
        cache.TryGet("b", out _, out _);

        Assert.True(cache.RemoveOldest());

        Assert.Equal(1, cache.Count);
        Assert.False(new ConcurrentLru().RemoveOldest());
    }

    [Fact]
    public void RemoveOldest_EveryEntryOfALargeCacheRead_LooksAtNoMoreThanTheSweepLimit()
    {
        const int n = 20_000;
        var cache = new ConcurrentLru();
        for (int i = 0; i < n; i++)
        {
            cache.Add("k" + i.ToString(CultureInfo.InvariantCulture), V("v"));
        }

        for (int i = 0; i < n; i++)
        {
            Assert.True(cache.TryGet("k" + i.ToString(CultureInfo.InvariantCulture), out _, out _));
        }

        // Without the bound the first eviction would walk all 20,000 entries.
        int mostExamined = 0;
        for (int evicted = 0; evicted < n; evicted++)
        {
            Assert.True(cache.RemoveOldest());
            mostExamined = Math.Max(mostExamined, cache.LastEvictionExamined);
        }

        Assert.InRange(mostExamined, 2, ConcurrentLru.SweepLimit + 1);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
        Assert.Equal(n, cache.Stats().Evictions);
        Assert.False(cache.RemoveOldest());
    }

    [Fact]
    public void RemoveOldest_PastTheSweepLimit_EvictsTheOldestAndKeepsTheSparedOnesNewest()
    {
        int n = ConcurrentLru.SweepLimit + 10;
        var cache = new ConcurrentLru();
        for (int i = 0; i < n; i++)
        {
            cache.Add("k" + i.ToString(CultureInfo.InvariantCulture), V("v"));
            cache.TryGet("k" + i.ToString(CultureInfo.InvariantCulture), out _, out _);
        }

        Assert.True(cache.RemoveOldest());

        // k0..k(limit-1) were spared and moved to the front; k(limit), read too, went.
        string victim = "k" + ConcurrentLru.SweepLimit.ToString(CultureInfo.InvariantCulture);
        var keys = cache.KeysNewestFirst();
        Assert.DoesNotContain(victim, keys);
        Assert.Equal("k" + (ConcurrentLru.SweepLimit - 1).ToString(CultureInfo.InvariantCulture), keys[0]);
        Assert.Equal(ConcurrentLru.SweepLimit + 1, cache.LastEvictionExamined);

        // The next evictions carry the sweep on: the nine entries still marked get their chance,
        // and the entries already spared (now unmarked) go in the order they were spared.
        for (int i = 0; i < 9; i++)
        {
            Assert.True(cache.RemoveOldest());
        }

        keys = cache.KeysNewestFirst();
        Assert.Equal(ConcurrentLru.SweepLimit, keys.Count);
        Assert.All(Enumerable.Range(ConcurrentLru.SweepLimit + 1, 9), i => Assert.Contains("k" + i.ToString(CultureInfo.InvariantCulture), keys));
        Assert.All(Enumerable.Range(0, 9), i => Assert.DoesNotContain("k" + i.ToString(CultureInfo.InvariantCulture), keys));
    }

    [Fact]
    public void TryGet_PastExpiry_IsAMissAndDropsTheEntry()
    {
        var clock = new ManualClock();
        var cache = new ConcurrentLru(clock);
        long expiry = UnixNanos.From(clock.GetUtcNow() + TimeSpan.FromSeconds(10));
        cache.Add("k", V("v"), expiry);

        Assert.True(cache.TryGet("k", out _, out long seen));
        Assert.Equal(expiry, seen);
        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.False(cache.TryGet("k", out _, out _));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
        Assert.Equal(1, cache.Stats().Expirations);
    }

    [Fact]
    public void AddIf_CheckFails_AddsNothing()
    {
        var cache = new ConcurrentLru();

        Assert.False(cache.AddIf("k", V("v"), 0, () => false));
        Assert.True(cache.AddIf("j", V("v"), 0, () => true));

        Assert.Equal(["j"], cache.KeysNewestFirst());
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
    public async Task ConcurrentReadersAndWriters_KeepTheByteCountExact()
    {
        var cache = new ConcurrentLru();
        string[] keys = [.. Enumerable.Range(0, 64).Select(i => "key-" + i.ToString(CultureInfo.InvariantCulture))];
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        long reads = 0;

        var readers = Enumerable.Range(0, 3).Select(seed => Task.Run(() =>
        {
            var random = new Random(seed);
            while (!stop.IsCancellationRequested)
            {
                string key = keys[random.Next(keys.Length)];
                if (cache.TryGet(key, out var value, out _))
                {
                    // A value is always whole: it names its own key.
                    Assert.StartsWith(key + "=", value.ToString(), StringComparison.Ordinal);
                }

                Interlocked.Increment(ref reads);
            }
        }));
        var writer = Task.Run(() =>
        {
            var random = new Random(2);
            while (!stop.IsCancellationRequested)
            {
                string key = keys[random.Next(keys.Length)];
                switch (random.Next(4))
                {
                    case 0: cache.Remove(key); break;
                    case 1: cache.RemoveOldest(); break;
                    default: cache.Add(key, V(key + "=" + new string('x', random.Next(50)))); break;
                }
            }
        });
        await Task.WhenAll([.. readers, writer]);

        long expectedBytes = 0;
        int present = 0;
        foreach (string key in keys)
        {
            if (cache.TryGet(key, out var value, out _))
            {
                expectedBytes += key.Length + value.Length;
                present++;
            }
        }

        Assert.True(reads > 0);
        Assert.Equal(present, cache.Count);
        Assert.Equal(expectedBytes, cache.Bytes);
        Assert.Equal(present, cache.KeysNewestFirst().Count);
    }
}
