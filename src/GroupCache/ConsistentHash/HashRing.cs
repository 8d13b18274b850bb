using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
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
    private uint[] _points = [];
    private string[] _owners = [];

    /// <param name="replicas">Points per peer (groupcache's HTTP pool uses 50).</param>
    /// <param name="hash">Defaults to CRC-32 (IEEE), Go's <c>crc32.ChecksumIEEE</c>.</param>
    public HashRing(int replicas, HashFunction? hash = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(replicas);
        _replicas = replicas;
        _hash = hash ?? Crc32.HashToUInt32;
    }

    public bool IsEmpty => _points.Length == 0;

    /// <summary>The peers' names, in no particular order.</summary>
    public IReadOnlyCollection<string> Peers => _ownerOfPoint.Values.Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>Places each peer on the ring, in the order given.</summary>
    public void Add(params string[] peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var points = new List<uint>(_points.Length + (peers.Length * _replicas));
        points.AddRange(_points);
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

        _points = sorted;
        _owners = owners;
    }

    /// <summary>The peer that owns <paramref name="key"/>, or null when the ring is empty.</summary>
    public string? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        uint[] points = _points;
        if (points.Length == 0)
        {
            return null;
        }

        uint hash = HashOf(key);

        // Lower bound: the first point >= hash, compared unsigned.
        int lo = 0;
        int hi = points.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (points[mid] < hash)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return _owners[lo == points.Length ? 0 : lo];
    }

    private uint HashOf(string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        Span<byte> buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
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
}
