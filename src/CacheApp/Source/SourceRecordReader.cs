using System.Buffers;

namespace CacheApp.Source;

/// <summary>
/// Reads the source's answer for one key into a pooled buffer, refusing one larger than the node
/// would keep: without a bound a broken or hostile source could make every load buffer up to 2 GB.
/// </summary>
internal static class SourceRecordReader
{
    /// <summary>
    /// The largest record that can hold a value of <paramref name="maxValueBytes"/>: JSON escapes a
    /// byte in at most six (<c>\u0000</c>), and the key and the other fields fit in the slack.
    /// </summary>
    public static long MaxRecordBytes(long maxValueBytes) => Math.Min(Array.MaxLength - 1, (6 * maxValueBytes) + (64 * 1024));

    /// <summary>
    /// The body's bytes, in a buffer rented from <see cref="ArrayPool{T}.Shared"/> that the caller
    /// returns. An announced or actual length above <paramref name="limit"/> is the source's failure.
    /// </summary>
    public static async ValueTask<(byte[] Buffer, int Length)> ReadAsync(HttpContent content, long limit, CancellationToken cancellationToken)
    {
        long? announced = content.Headers.ContentLength;
        if (announced > limit)
        {
            throw TooLarge(announced.Value, limit);
        }

        await using Stream body = await content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(announced is long length ? Math.Max((int)length, 1) : 16 * 1024);
        int used = 0;
        try
        {
            while (true)
            {
                if (used == buffer.Length)
                {
                    // One byte past the limit is room enough to see that the body is too long.
                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1, 2L * buffer.Length));
                    buffer.AsSpan(0, used).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                int read = await body.ReadAsync(buffer.AsMemory(used), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                used += read;
                if (used > limit)
                {
                    throw TooLarge(used, limit);
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
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static SourceUnavailableException TooLarge(long length, long limit) =>
        new($"source answered a record of at least {length} bytes; the limit is {limit} (MAX_VALUE_BYTES)");
}
