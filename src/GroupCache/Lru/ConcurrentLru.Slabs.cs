using System.Buffers.Binary;
using System.Text;

namespace GroupCache.Lru;

public sealed partial class ConcurrentLru
{
    /// <summary>The size of an ordinary slab; a record larger than a quarter of it gets a slab of its own.</summary>
    internal const int SlabSize = 1 << 20;

    // A record is [entry index: 4][record length: 4][key][value], so that compaction can walk a slab.
    private const int RecordHeader = 8;

    private byte[]?[] _slabs = new byte[]?[4]; // replaced whole when it grows; readers index it
    private int[] _slabLive = new int[4];      // bytes of live records per slab
    private int[] _slabUsed = new int[4];      // bytes appended per slab
    private bool[] _slabFilled = new bool[4];  // an ordinary slab that filled: the only kind compaction takes
    private readonly Queue<int> _filledSlabs = new(); // ordinary slabs in the order they filled: compaction's candidates
    private readonly Stack<int> _freeSlabIds = new();
    private int _current = -1;
    private long _slabBytes;       // every slab held
    private long _liveRecordBytes; // the live records in them

    /// <summary>
    /// The most bytes one entry's key (UTF-8) and value can weigh together: its record, with the
    /// header, must fit in one array (<see cref="Array.MaxLength"/>), a slab of its own.
    /// </summary>
    internal static int MaxEntryBytes => Array.MaxLength - RecordHeader;

    /// <summary>Throws, before anything changes, when an entry's record could not be stored.</summary>
    private static void ThrowIfTooLarge(int keyBytes, int valueBytes)
    {
        long weight = (long)keyBytes + valueBytes;
        if (weight > MaxEntryBytes)
        {
            throw new ArgumentOutOfRangeException(
                "value",
                weight,
                $"The key ({keyBytes} bytes in UTF-8) and the value ({valueBytes} bytes) weigh {weight} bytes; an entry is stored in one slab, which holds at most {MaxEntryBytes}.");
        }
    }

    /// <summary>Bytes of slab memory held, including dead records not yet compacted away; for tests and the probe.</summary>
    internal long SlabBytes => Volatile.Read(ref _slabBytes);

    /// <summary>Compactions done so far; for tests.</summary>
    internal long Compactions { get; private set; }

    /// <summary>The most record bytes any one compaction copied; for tests.</summary>
    internal int MostCopiedByOneCompaction { get; private set; }

    /// <summary>Appends a record for entry <paramref name="index"/>; returns its slab and where its key starts.</summary>
    private (int Slab, int KeyOffset) AppendRecord(int index, string key, int keyBytes, ReadOnlySpan<byte> value)
    {
        int length = checked(RecordHeader + keyBytes + value.Length);
        var (slab, start) = Reserve(length);
        var bytes = _slabs[slab]!.AsSpan(start, length);
        BinaryPrimitives.WriteInt32LittleEndian(bytes, index);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], length);
        Encoding.UTF8.GetBytes(key, bytes.Slice(RecordHeader, keyBytes));
        value.CopyTo(bytes[(RecordHeader + keyBytes)..]);
        return (slab, start + RecordHeader);
    }

    /// <summary>Room for <paramref name="length"/> bytes at the end of the current slab, or in a new one.</summary>
    private (int Slab, int Start) Reserve(int length)
    {
        int slab;
        if (length > SlabSize / 4)
        {
            slab = NewSlab(length);
        }
        else
        {
            if (_current < 0 || _slabUsed[_current] + length > SlabSize)
            {
                int full = _current;
                _current = NewSlab(SlabSize);
                if (full >= 0)
                {
                    if (_slabLive[full] == 0)
                    {
                        DropSlab(full);
                    }
                    else
                    {
                        QueueFilled(full);
                    }
                }
            }

            slab = _current;
        }

        int start = _slabUsed[slab];
        _slabUsed[slab] = start + length;
        _slabLive[slab] += length;
        _liveRecordBytes += length;
        return (slab, start);
    }

    /// <summary>
    /// Queues a slab that filled as a candidate for compaction. A slab whose records all die is
    /// dropped without leaving the queue, and compaction, which drains it, runs only when waste is
    /// high: written through in insertion order, a cache drops whole slabs and never compacts. So
    /// when the queue holds twice as many ids as there are slab numbers, it keeps only the ids
    /// that still name a filled slab, each at its latest place: its length stays bounded by the
    /// slabs held, for the cost of one pass per that many fills.
    /// </summary>
    /// <remarks>
    /// A queued id whose slab was dropped may have been reused since, for the current slab or for a
    /// large record's slab of its own: only <see cref="_slabFilled"/> says that an id still names a
    /// filled ordinary slab, for the rebuild here and for compaction.
    /// </remarks>
    private void QueueFilled(int slab)
    {
        _slabFilled[slab] = true;
        _filledSlabs.Enqueue(slab);
        if (_filledSlabs.Count <= 2 * _slabs.Length)
        {
            return;
        }

        int[] queued = [.. _filledSlabs];
        var latest = new HashSet<int>();
        var keep = new bool[queued.Length];
        for (int i = queued.Length - 1; i >= 0; i--)
        {
            int id = queued[i];
            keep[i] = _slabFilled[id] && latest.Add(id);
        }

        _filledSlabs.Clear();
        for (int i = 0; i < queued.Length; i++)
        {
            if (keep[i])
            {
                _filledSlabs.Enqueue(queued[i]);
            }
        }
    }

    /// <summary>Slabs queued as compaction candidates, stale ids included; for tests.</summary>
    internal int QueuedSlabs => _filledSlabs.Count;

    /// <summary>Slab numbers the table has room for; for tests.</summary>
    internal int SlabNumbers => _slabs.Length;

    private void ReleaseRecord(int slab, int length)
    {
        _slabLive[slab] -= length;
        _liveRecordBytes -= length;
        if (_slabLive[slab] == 0 && slab != _current)
        {
            // Nothing in the cache points into it any more; callers that still hold views of it
            // keep the array alive themselves.
            DropSlab(slab);
        }
    }

    /// <summary>Allocates a slab's array: never zeroed, as a reader only reads what a record wrote before the entry was published. Tests replace it to make an allocation fail.</summary>
    internal Func<int, byte[]> SlabAllocator { get; set; } = static size => GC.AllocateUninitializedArray<byte>(size);

    private int NewSlab(int size)
    {
        // Allocated before a number is taken or the table grows: when it fails (a large record's
        // slab of its own may be larger than the memory left), nothing has changed.
        byte[] array = SlabAllocator(size);
        if (!_freeSlabIds.TryPop(out int id))
        {
            id = _slabs.Length;
            int grown = _slabs.Length * 2;
            var slabs = new byte[]?[grown];
            Array.Copy(_slabs, slabs, _slabs.Length);
            Array.Resize(ref _slabLive, grown);
            Array.Resize(ref _slabUsed, grown);
            Array.Resize(ref _slabFilled, grown);
            for (int i = _slabs.Length + 1; i < grown; i++)
            {
                _freeSlabIds.Push(i);
            }

            Volatile.Write(ref _slabs, slabs);
        }

        Volatile.Write(ref _slabs[id], array);
        _slabLive[id] = 0;
        _slabUsed[id] = 0;
        _slabFilled[id] = false;
        Volatile.Write(ref _slabBytes, _slabBytes + size);
        return id;
    }

    private void DropSlab(int slab)
    {
        Volatile.Write(ref _slabBytes, _slabBytes - _slabs[slab]!.Length);
        Volatile.Write(ref _slabs[slab], null);
        _slabUsed[slab] = 0;
        _slabFilled[slab] = false;
        _freeSlabIds.Push(slab);
    }

    /// <summary>
    /// When dead records take more than a quarter of the live ones (and more than a few slabs),
    /// copies the live records of the oldest filled slab to the current one and drops it. One slab
    /// per call bounds the work under the lock (at most <see cref="SlabSize"/> bytes copied).
    /// </summary>
    private void CompactIfWasteful()
    {
        long dead = _slabBytes - _liveRecordBytes;
        if (dead <= Math.Max(_liveRecordBytes / 4, 4L * SlabSize))
        {
            return;
        }

        while (_filledSlabs.TryDequeue(out int slab))
        {
            // A queued id may have been dropped since it filled, and even reused: for the current
            // slab, or for a large record's slab of its own, which must never be compacted (its one
            // record would be copied whole, work not bounded by SlabSize, and no waste reclaimed).
            if (_slabFilled[slab])
            {
                try
                {
                    Compact(slab);
                }
                catch (OutOfMemoryException)
                {
                    // Compaction only reclaims waste, so it is best-effort: the add, removal or
                    // read that called it has done its work. Every record moved so far is whole in
                    // its new place; the rest stay, and the slab waits in the queue for a later try.
                    if (_slabFilled[slab])
                    {
                        _filledSlabs.Enqueue(slab);
                    }
                }

                return;
            }
        }
    }

    private void Compact(int slab)
    {
        Compactions++;
        var bytes = _slabs[slab]!;
        int used = _slabUsed[slab];

        // Stops at the last live record: once it moved, the slab is dropped and its id may be
        // reused by the very next reservation, so the id no longer names these bytes.
        int live = _slabLive[slab];
        int copied = 0;
        for (int start = 0; start < used && live > 0;)
        {
            int index = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(start));
            int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(start + 4));
            ref var e = ref _table.Entry(index);
            if (e.InUse && e.Slab == slab && e.Offset == start + RecordHeader)
            {
                // The record is copied whole (its header names the same entry); the old copy stays
                // untouched for views already handed out.
                var (to, toStart) = Reserve(length);
                bytes.AsSpan(start, length).CopyTo(_slabs[to].AsSpan(toStart));
                BeginWrite(ref e);
                e.Slab = to;
                e.Offset = toStart + RecordHeader;
                EndWrite(ref e);
                live -= length;
                copied += length;
                ReleaseRecord(slab, length); // drops the slab after its last live record
            }

            start += length;
        }

        MostCopiedByOneCompaction = Math.Max(MostCopiedByOneCompaction, copied);
    }
}
