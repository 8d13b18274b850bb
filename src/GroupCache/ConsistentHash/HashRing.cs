using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Numerics;
using System.Text;

namespace GroupCache.ConsistentHash;

/// <summary>
/// A consistent-hash ring, bit for bit the one in golang/groupcache's consistenthash package, so
/// that C# and Go nodes given the same peers agree on every key's owner.
/// </summary>
/// <remarks>
/// Each peer is placed <c>replicas</c> times, at the hash of the replica index in decimal followed
/// by the peer's name. A key belongs to the first point whose hash is &gt;= the key's hash,
/// wrapping around to the first point. Hashes are unsigned. When two points collide, the peer added
/// later owns both, as Go's map assignment makes it. Build a ring, then share it read-only: lookups
/// are safe from any number of threads once no one calls <see cref="Add(string[])"/>.
/// </remarks>
public sealed class HashRing
{
    /// <summary>A hash of a key's UTF-8 bytes.</summary>
    public delegate uint HashFunction(ReadOnlySpan<byte> data);

    private const int StackLimit = 512;

    private readonly int _replicas;
    private readonly HashFunction _hash;
    private readonly Dictionary<uint, string> _ownerOfPoint = [];
    private Points _state = new([], [], [0, 0], 31);

    /// <param name="replicas">Points per peer (groupcache's HTTP pool uses 50).</param>
    /// <param name="hash">Defaults to CRC-32 (IEEE), Go's <c>crc32.ChecksumIEEE</c>.</param>
    public HashRing(int replicas, HashFunction? hash = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(replicas);
        _replicas = replicas;
        _hash = hash ?? Crc32.HashToUInt32;
    }

    /// <summary>True when the ring has no peers.</summary>
    public bool IsEmpty => _state.Hashes.Length == 0;

    /// <summary>The peers' names, in no particular order.</summary>
    public IReadOnlyCollection<string> Peers => _ownerOfPoint.Values.Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Places each peer on the ring, in the order given.</summary>
    public void Add(params string[] peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var points = new List<uint>(_state.Hashes.Length + (peers.Length * _replicas));
        points.AddRange(_state.Hashes);
        foreach (string peer in peers)
        {
            ArgumentNullException.ThrowIfNull(peer);
            for (int i = 0; i < _replicas; i++)
            {
                uint point = HashOf(i.ToString(CultureInfo.InvariantCulture) + peer);
                if (_ownerOfPoint.ContainsKey(point))
                {
                    // A collision: Go keeps the point twice in its slice; both copies map to the later peer.
                    _ownerOfPoint[point] = peer;
                }
                else
                {
                    _ownerOfPoint.Add(point, peer);
                }

                points.Add(point);
            }
        }

        uint[] sorted = [.. points];
        Array.Sort(sorted);
        var owners = new string[sorted.Length];
        for (int i = 0; i < sorted.Length; i++)
        {
            owners[i] = _ownerOfPoint[sorted[i]];
        }

        int bucketBits = Math.Clamp(BitOperations.Log2((uint)Math.Max(sorted.Length, 1)) + 2, 1, 16);
        int shift = 32 - bucketBits;
        var bucketStart = new int[(1 << bucketBits) + 1];
        int next = 0;
        for (int b = 0; b < bucketStart.Length - 1; b++)
        {
            while (next < sorted.Length && (sorted[next] >> shift) < (uint)b)
            {
                next++;
            }

            bucketStart[b] = next;
        }

        bucketStart[^1] = sorted.Length;

        _state = new Points(sorted, owners, bucketStart, shift);
    }

    /// <summary>The peer that owns <paramref name="key"/>, or null when the ring is empty.</summary>
    public string? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var state = _state; // one read: a concurrent Add swaps in a whole new state
        uint[] points = state.Hashes;
        if (points.Length == 0)
        {
            return null;
        }

        uint hash = HashOf(key);

        // The first point >= hash (compared unsigned) lies in the hash's bucket or is the first
        // point of a later one.
        int bucket = (int)(hash >> state.BucketShift);
        int i = state.BucketStart[bucket];
        int end = state.BucketStart[bucket + 1];
        while (i < end && points[i] < hash)
        {
            i++;
        }

        return state.Owners[i == points.Length ? 0 : i];
    }

    /// <summary>
    /// How many of the 2^32 hash values each peer owns: for every point on the ring, the arc from the
    /// previous point (exclusive) to it (inclusive), wrapping around past 2^32 - 1, summed per owner.
    /// The counts add up to exactly 2^32; divide by 2^32 for a peer's share of the hash space.
    /// </summary>
    /// <returns>One entry per peer in <see cref="Peers"/> (an empty map for an empty ring); a peer whose points all collided with a later peer's owns no point and is not listed, as it is not in <see cref="Peers"/>.</returns>
    public IReadOnlyDictionary<string, long> OwnedHashes()
    {
        var state = _state;
        uint[] points = state.Hashes;
        var owned = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string peer in _ownerOfPoint.Values)
        {
            owned.TryAdd(peer, 0);
        }

        for (int i = 0; i < points.Length; i++)
        {
            // The key hashes a point owns are those after the previous point up to and including it;
            // the first point also owns everything after the last one (wrap-around). A repeated
            // point (a collision) owns nothing more: its twin took the arc.
            long arc = i == 0
                ? (1L << 32) - points[^1] + points[0]
                : (long)points[i] - points[i - 1];
            owned[state.Owners[i]] += arc;
        }

        return owned;
    }

    private uint HashOf(string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= StackLimit ? stackalloc byte[max] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int n = Encoding.UTF8.GetBytes(text, buffer);
            return _hash(buffer[..n]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The sorted points and their owners, with a jump table over the top bits of the hash:
    /// BucketStart[b] is the first point whose top bits are >= b, so a lookup scans the one or two
    /// points of its bucket instead of binary-searching the ring, whose unpredictable branches cost
    /// more than the hash itself.
    /// </summary>
    private sealed record Points(uint[] Hashes, string[] Owners, int[] BucketStart, int BucketShift);
}
