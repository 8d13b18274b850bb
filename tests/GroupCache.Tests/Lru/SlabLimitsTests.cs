using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using GroupCache.Lru;

namespace GroupCache.Tests.Lru;

/// <summary>What bounds the store's work and size: which slabs compaction takes, how large a record may be, how much one batch removes.</summary>
public class SlabLimitsTests
{
    private static string Key(int i) => "key-" + i.ToString("D8", CultureInfo.InvariantCulture);

    private static byte[] ArrayOf(ByteView view)
    {
        Assert.True(MemoryMarshal.TryGetArray(view.AsMemory(), out var segment));
        return segment.Array!;
    }

    /// <summary>
    /// A filled slab whose records all die is dropped while its number stays queued; a large value
    /// stored next takes that number for a slab of its own. Compaction must not take it for a
    /// filled slab and copy the whole value (more than a slab's worth) into yet another slab.
    /// </summary>
    [Fact]
    public void Compaction_QueuedNumberReusedForALargeValue_LeavesTheLargeValueWhereItIs()
    {
        var cache = new ConcurrentLru();
        var value = new ByteView(new byte[1000]);
        const int n = 12 * 1_030; // about 12 filled slabs of 1,020-byte records
        for (int i = 0; i < n; i++)
        {
            cache.Add(Key(i), value);
        }

        // The oldest keys go until the first filled slab has no live record: it is dropped in place.
        long before = cache.SlabBytes;
        int next = 0;
        while (cache.SlabBytes >= before)
        {
            Assert.True(cache.Remove(Key(next++)));
        }

        Assert.Equal(0, cache.Compactions);

        // Freed last, its number is the first one taken again: by a slab of the large value's own.
        var large = new ByteView(new byte[ConcurrentLru.SlabSize + (ConcurrentLru.SlabSize / 2)]);
        cache.Add("large", large);
        Assert.True(cache.TryGet("large", out var stored, out _));
        byte[] where = ArrayOf(stored);

        for (int i = next; i < n; i += 2)
        {
            Assert.True(cache.Remove(Key(i)));
        }

        Assert.True(cache.Compactions > 0);
        Assert.True(cache.TryGet("large", out var after, out _));
        Assert.True(cache.MostCopiedByOneCompaction <= ConcurrentLru.SlabSize, $"one compaction copied {cache.MostCopiedByOneCompaction} bytes");
        Assert.Same(where, ArrayOf(after));
    }

    /// <summary>
    /// A record (8-byte header, UTF-8 key, value) must fit in one array. One that does not is refused
    /// before anything changes: the key's old entry stays, and no entry slot is taken and lost.
    /// </summary>
    [Theory]
    [InlineData(1)]             // one byte past the largest record
    [InlineData(int.MaxValue)] // the record's length overflows an int
    public void Add_RecordLargerThanAnArrayCanHold_ThrowsAndChangesNothing(int excess)
    {
        var cache = new ConcurrentLru();
        cache.Add("kk", ByteView.FromString("old"));
        cache.Add("other", ByteView.FromString("value"));
        int length = excess == int.MaxValue ? int.MaxValue : ConcurrentLru.MaxEntryBytes - 2 + excess;
        var huge = ClaimedMemory.OfLength(length); // never read: only its length is real

        var thrown = Record.Exception(() => cache.Add("kk", huge));
        var thrownIf = Record.Exception(() => cache.AddIf("new", huge, 0, () => true));

        Assert.Equal(2, cache.Count);
        Assert.Equal(2 + 3 + 5 + 5, cache.Bytes);
        Assert.Equal(cache.Count, cache.EntriesTaken);
        Assert.True(cache.TryGet("kk", out var kept, out _));
        Assert.Equal("old", kept.ToString());
        var outOfRange = Assert.IsType<ArgumentOutOfRangeException>(thrown);
        Assert.Contains("slab", outOfRange.Message, StringComparison.Ordinal);
        Assert.IsType<ArgumentOutOfRangeException>(thrownIf);

        // The largest record that fits is accepted by the check (reading the claimed value then fails).
        Assert.IsType<InvalidOperationException>(Record.Exception(() => cache.Add("k", ClaimedMemory.OfLength(ConcurrentLru.MaxEntryBytes - 1))));
    }

    /// <summary>
    /// When no slab can be allocated for a record (out of memory: a large value's slab of its own is
    /// one array of its size), the add throws and leaves the cache consistent: the key is not cached,
    /// its entry slot and the slab number it would have taken are given back, and the bytes are exact.
    /// </summary>
    [Fact]
    public void Add_SlabAllocationFails_LeaksNeitherEntrySlotNorSlabNumber()
    {
        var cache = new ConcurrentLru();
        cache.Add("kk", ByteView.FromString("old"));
        cache.Add("other", ByteView.FromString("value"));
        int slabNumbers = cache.SlabNumbers;
        long slabBytes = cache.SlabBytes;
        var large = new ByteView(new byte[ConcurrentLru.SlabSize / 2]); // a slab of its own
        cache.SlabAllocator = _ => throw new OutOfMemoryException();

        // More failures than free slab numbers: each leaked one would make the table grow.
        Assert.Throws<OutOfMemoryException>(() => cache.Add("kk", large));
        for (int i = 0; i < 2 * slabNumbers; i++)
        {
            Assert.Throws<OutOfMemoryException>(() => cache.AddIf("large" + i, large, 0, () => true));
        }

        Assert.Equal(1, cache.Count);
        Assert.Equal(5 + 5, cache.Bytes);
        Assert.Equal(cache.Count, cache.EntriesTaken);
        Assert.Equal(slabNumbers, cache.SlabNumbers);
        Assert.Equal(slabBytes, cache.SlabBytes);
        Assert.False(cache.TryGet("kk", out _, out _)); // its old value was being replaced

        cache.SlabAllocator = size => GC.AllocateUninitializedArray<byte>(size);
        cache.Add("kk", large);
        Assert.True(cache.TryGet("kk", out var stored, out _));
        Assert.Equal(large.Length, stored.Length);
        Assert.Equal(2, cache.Count);
        Assert.Equal(5 + 5 + 2 + large.Length, cache.Bytes);
        Assert.Equal(cache.Count, cache.EntriesTaken);
        Assert.Equal(slabNumbers, cache.SlabNumbers);
    }

    /// <summary>
    /// Compaction needs a new slab now and then; when there is no memory for one, the removal (or
    /// add, or read) that set it off still succeeds, what moved is intact, and the slab is
    /// compacted later, once memory is there again.
    /// </summary>
    [Fact]
    public void Compaction_SlabAllocationFails_TheRemovalSucceedsAndCompactionResumesLater()
    {
        var cache = new ConcurrentLru();
        const int n = 12 * 1_030; // about 12 filled slabs of 1,020-byte records
        for (int i = 0; i < n; i++)
        {
            var value = new byte[1000];
            value.AsSpan().Fill((byte)i);
            cache.Add(Key(i), new ByteView(value));
        }

        cache.SlabAllocator = _ => throw new OutOfMemoryException();
        for (int i = 0; i < n; i += 2)
        {
            Assert.True(cache.Remove(Key(i)));
        }

        long compactionsWithoutMemory = cache.Compactions;
        Assert.True(compactionsWithoutMemory > 0, "the waste never set off a compaction");
        Assert.Equal(n / 2, cache.Count);
        Assert.Equal(n / 2 * (Key(0).Length + 1000), cache.Bytes);
        for (int i = 1; i < n; i += 2)
        {
            Assert.True(cache.TryGet(Key(i), out var kept, out _), Key(i));
            Assert.True(kept.AsMemory().Span.IndexOfAnyExcept((byte)i) < 0, $"{Key(i)} changed");
        }

        cache.SlabAllocator = size => GC.AllocateUninitializedArray<byte>(size);
        long slabBytes = cache.SlabBytes;
        for (int i = 1; i < n / 2; i += 2)
        {
            Assert.True(cache.Remove(Key(i)));
        }

        Assert.True(cache.Compactions > compactionsWithoutMemory);
        Assert.True(cache.SlabBytes < slabBytes, "no slab was reclaimed once memory was back");
    }

    /// <summary>
    /// While a clear runs, an eviction takes the oldest entry even if it was read: with a second
    /// chance it would move to the front, behind entries added since, and outlive the clear.
    /// </summary>
    [Fact]
    public void RemoveOldest_SecondChancesHeld_TakesTheOldestEvenIfRead_AndGivesThemAgainAfter()
    {
        var cache = new ConcurrentLru();
        var value = new ByteView(new byte[10]);
        cache.Add("old-read", value);
        cache.Add("old-unread", value);
        Assert.True(cache.TryGet("old-read", out _, out _));

        cache.HoldSecondChances();
        cache.Add("new", value);
        Assert.True(cache.RemoveOldest());
        cache.ReleaseSecondChances();

        Assert.False(cache.TryGet("old-read", out _, out _));
        Assert.True(cache.TryGet("old-unread", out _, out _));

        // Released: a read entry is spared again (the unread "new" goes first).
        Assert.True(cache.RemoveOldest());
        Assert.True(cache.TryGet("old-unread", out _, out _));
        Assert.False(cache.TryGet("new", out _, out _));
    }

    /// <summary>One batch removes at most <see cref="ConcurrentLru.RemoveBatch"/> entries, oldest first, and the counts stay exact.</summary>
    [Fact]
    public void RemoveOldestBatch_RemovesABoundedBatchOldestFirst_UntilEmpty()
    {
        var cache = new ConcurrentLru();
        const int n = 5_000;
        var value = new ByteView(new byte[100]);
        for (int i = 0; i < n; i++)
        {
            cache.Add(Key(i), value);
        }

        cache.Add("large", new ByteView(new byte[ConcurrentLru.SlabSize])); // a slab of its own, the newest

        Assert.Equal(ConcurrentLru.RemoveBatch, cache.RemoveOldestBatch(int.MaxValue));
        Assert.Equal(n + 1 - ConcurrentLru.RemoveBatch, cache.Count);
        Assert.False(cache.TryGet(Key(ConcurrentLru.RemoveBatch - 1), out _, out _));
        Assert.True(cache.TryGet(Key(ConcurrentLru.RemoveBatch), out _, out _));
        Assert.Equal(3, cache.RemoveOldestBatch(3));

        int removed = ConcurrentLru.RemoveBatch + 3;
        for (int batch; (batch = cache.RemoveOldestBatch(int.MaxValue)) > 0;)
        {
            removed += batch;
        }

        Assert.Equal(n + 1, removed);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Bytes);
        Assert.Equal(0, cache.EntriesTaken);
        Assert.Equal(0, cache.Stats().Evictions);
        Assert.Equal(ConcurrentLru.RemoveBatch, cache.MostWalkedInOneHold);
        Assert.InRange(cache.SlabBytes, 0, ConcurrentLru.SlabSize); // the current slab at most
    }
}
