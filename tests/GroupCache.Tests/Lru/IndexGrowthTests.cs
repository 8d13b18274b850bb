using System.Globalization;
using GroupCache.Lru;

namespace GroupCache.Tests.Lru;

/// <summary>
/// The index grows without any one add doing work that grows with the cache: entries live in
/// fixed-size chunks that are never copied once full, and buckets are split one per add.
/// </summary>
public class IndexGrowthTests
{
    // One split moves one chain; with at most one entry per bucket on average a chain of 64 entries
    // is far beyond what randomised string hashes give (about a dozen at a million buckets).
    private const int MostRelinkedAllowed = 64;

    private static string KeyOf(int i) => "k" + i.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public void FillingAMillionEntries_NoAddCopiesOrRelinksMoreThanAConstant()
    {
        const int n = 1_000_000;
        var cache = new ConcurrentLru();
        var value = ByteView.FromString("v");
        int copiedAtTenThousand = 0;
        for (int i = 0; i < n; i++)
        {
            cache.Add(KeyOf(i), value);
            if (i == 10_000)
            {
                copiedAtTenThousand = cache.MostCopiedByOneAdd;
            }
        }

        // Doubling the whole index (the old way) would copy 524,288 entries in one add on the way
        // here; now the most is half a first chunk of entries plus half a first chunk of bucket
        // heads, reached while the cache is still small and never again.
        Assert.InRange(cache.MostCopiedByOneAdd, 1, EntryTable.ChunkSize);
        Assert.Equal(copiedAtTenThousand, cache.MostCopiedByOneAdd);
        Assert.InRange(cache.MostRelinkedByOneAdd, 1, MostRelinkedAllowed);

        // One bucket per entry or more, so chains stay short without a rehash.
        Assert.InRange(cache.BucketCount, n, 2 * n);
        Assert.Equal(n, cache.Count);
        for (int i = 0; i < n; i += 997)
        {
            Assert.True(cache.TryGet(KeyOf(i), out var found, out _), KeyOf(i));
            Assert.Equal("v", found.ToString());
        }

        Assert.False(cache.TryGet(KeyOf(n), out _, out _));
    }

    [Fact]
    public void EntriesFreedAndReused_AcrossManySplits_StayFindable()
    {
        var cache = new ConcurrentLru();
        for (int i = 0; i < 100_000; i++)
        {
            cache.Add(KeyOf(i), ByteView.FromString(KeyOf(i)));
            if (i % 3 == 0)
            {
                // Frees entries for later adds to reuse, in chains that splits then divide.
                cache.Remove(KeyOf(i / 2));
            }
        }

        var expected = new HashSet<string>(cache.KeysNewestFirst());
        Assert.Equal(cache.Count, expected.Count);
        for (int i = 0; i < 100_000; i++)
        {
            bool present = expected.Contains(KeyOf(i));
            Assert.Equal(present, cache.TryGet(KeyOf(i), out var found, out _));
            if (present)
            {
                Assert.Equal(KeyOf(i), found.ToString());
            }
        }
    }

    [Fact]
    public async Task ReadersDuringGrowth_NeverMissAKeyAddedBeforeTheyLooked()
    {
        const int n = 300_000;
        var cache = new ConcurrentLru();
        int added = 0; // keys below this are in the cache for good
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < n && !cts.IsCancellationRequested; i++)
            {
                cache.Add(KeyOf(i), ByteView.FromString(KeyOf(i)));
                Volatile.Write(ref added, i + 1);
            }
        });

        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(() =>
        {
            var random = new Random(r);
            int misses = 0;
            long reads = 0;
            while (!writer.IsCompleted && !cts.IsCancellationRequested)
            {
                int upTo = Volatile.Read(ref added);
                if (upTo == 0)
                {
                    continue;
                }

                // Mostly the newest keys: those are the ones whose chains the splits are moving.
                int i = random.Next(2) == 0 ? upTo - 1 - random.Next(Math.Min(upTo, 64)) : random.Next(upTo);
                if (!cache.TryGet(KeyOf(i), out var found, out _) || found.ToString() != KeyOf(i))
                {
                    misses++;
                }

                reads++;
            }

            return (misses, reads);
        })).ToArray();

        await writer;
        var results = await Task.WhenAll(readers);

        Assert.All(results, r => Assert.Equal(0, r.misses));
        Assert.True(results.Sum(r => r.reads) > 0);
        Assert.Equal(n, cache.Count);
    }
}
