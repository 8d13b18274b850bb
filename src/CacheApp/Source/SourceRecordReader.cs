using System.Buffers;

namespace CacheApp.Source;

/// <summary>
/// Reads the source's answer for one key, refusing one larger than the node would keep: without a
/// bound a broken or hostile source could make every load buffer up to 2 GB.
/// </summary>
internal static class SourceRecordReader
{
    /// <summary>
    /// Buffers up to this size come from <see cref="ArrayPool{T}.Shared"/>; larger ones are allocated
    /// and left to the collector, so that the pool does not keep arrays of a rare large value.
    /// The first buffer is no larger either, whatever length the source announces: it grows with
    /// the bytes that actually arrive.
    /// </summary>
    private const int PooledBytes = 1 << 20;

    /// <summary>
    /// The largest record that can hold a value of <paramref name="maxValueBytes"/>: JSON escapes a
    /// byte in at most six (<c>\u0000</c>), and the key and the other fields fit in the slack.
    /// </summary>
    public static long MaxRecordBytes(long maxValueBytes) => Math.Min(Array.MaxLength - 1, (6 * maxValueBytes) + (64 * 1024));

    /// <summary>
    /// The body's bytes, in a buffer that the caller gives back with <see cref="Release"/>. An
    /// announced or actual length above <see cref="MaxRecordBytes"/> is the source's failure; no
    /// more than one byte past that limit is read.
    /// </summary>
    public static async ValueTask<(byte[] Buffer, int Length)> ReadAsync(HttpContent content, long maxValueBytes, CancellationToken cancellationToken)
    {
        long limit = MaxRecordBytes(maxValueBytes);
        long? announced = content.Headers.ContentLength;
        if (announced > limit)
        {
            throw TooLarge(announced.Value, limit, maxValueBytes);
        }

        await using Stream body = await content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = Take((int)Math.Min(announced ?? 16 * 1024, PooledBytes));
        int used = 0;
        try
        {
            while (true)
            {
                if (used == buffer.Length)
                {
                    // One byte past the limit is room enough to see that the body is too long.
                    byte[] larger = Take((int)Math.Min(limit + 1, 2L * buffer.Length));
                    buffer.AsSpan(0, used).CopyTo(larger);
                    Release(buffer);
                    buffer = larger;
                }

                int room = (int)Math.Min(buffer.Length, limit + 1) - used;
                int read = await body.ReadAsync(buffer.AsMemory(used, room), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                used += read;
                if (used > limit)
                {
                    throw TooLarge(used, limit, maxValueBytes);
                }

                if (used == announced)
                {
                    break; // The client stops at the announced length anyway; no read to learn it.
                }
            }

            return (buffer, used);
        }
        catch
        {
            Release(buffer);
            throw;
        }
    }

    /// <summary>Gives back a buffer that <see cref="ReadAsync"/> returned.</summary>
    public static void Release(byte[] buffer)
    {
        if (buffer.Length <= PooledBytes)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Take(int length) =>
        length <= PooledBytes ? ArrayPool<byte>.Shared.Rent(Math.Max(length, 1)) : GC.AllocateUninitializedArray<byte>(length);

    private static SourceUnavailableException TooLarge(long length, long limit, long maxValueBytes) =>
        new($"source answered a record of at least {length} bytes; with MAX_VALUE_BYTES={maxValueBytes} a record may have at most {limit}");
}
