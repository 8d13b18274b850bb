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
}
