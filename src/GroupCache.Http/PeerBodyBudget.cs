using System.Buffers;
using System.Numerics;

namespace GroupCache.Http;

/// <summary>
/// The memory all of a pool's peer bodies in flight may take together, and the buffers that hold
/// them: a body that would exceed the budget is refused at once (the group then loads the key
/// itself) rather than waited for, so that many large or never-ending answers cannot exhaust memory.
/// </summary>
/// <remarks>
/// Small buffers come from the shared <see cref="ArrayPool{T}"/>; large ones are allocated and left
/// to the GC after use, because a pool keeps what it is given: sixteen 60 MB bodies once stayed in
/// <see cref="ArrayPool{T}.Shared"/> for good.
/// </remarks>
internal sealed class PeerBodyBudget(long limitBytes)
{
    /// <summary>Buffers up to this size are pooled; larger ones are not.</summary>
    internal const int MaxPooledBytes = 1024 * 1024;

    private long _inUse;

    public long LimitBytes { get; } = limitBytes;

    /// <summary>Bytes of body buffers handed out and not yet returned.</summary>
    public long InUse => Volatile.Read(ref _inUse);

    /// <summary>A buffer of at least <paramref name="bytes"/> bytes, counted against the budget until <see cref="Return"/>.</summary>
    /// <returns>Null when the budget has no room for it.</returns>
    public byte[]? TryRent(int bytes)
    {
        // The room is taken before the buffer exists: allocated first, a refused body still cost
        // its full size (up to the value limit) each time, which is what the budget is there to stop.
        long reserved = SizeOf(bytes);
        if (Interlocked.Add(ref _inUse, reserved) > LimitBytes)
        {
            Interlocked.Add(ref _inUse, -reserved);
            return null;
        }

        byte[] buffer;
        try
        {
            buffer = bytes <= MaxPooledBytes ? ArrayPool<byte>.Shared.Rent(bytes) : GC.AllocateUninitializedArray<byte>(bytes);
        }
        catch
        {
            Interlocked.Add(ref _inUse, -reserved);
            throw;
        }

        // Return gives back the buffer's own length; should the pool hand out another size than
        // the one reserved, the count follows it.
        if (buffer.Length != reserved)
        {
            Interlocked.Add(ref _inUse, buffer.Length - reserved);
        }

        return buffer;
    }

    public void Return(byte[] buffer)
    {
        Interlocked.Add(ref _inUse, -buffer.Length);
        if (buffer.Length <= MaxPooledBytes)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The length of the buffer <see cref="TryRent"/> gets for <paramref name="bytes"/>: the shared pool rounds up to a power of two (at least 16).</summary>
    private static long SizeOf(int bytes) =>
        bytes <= MaxPooledBytes ? BitOperations.RoundUpToPowerOf2((uint)Math.Max(bytes, 16)) : bytes;
}
