using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace GroupCache.Http;

/// <summary>
/// A secret that requests must present in <see cref="PeerProtocolHeaders.Secret"/> (the cluster
/// secret), and the one way every check compares it. Both sides are hashed with SHA-256 first and
/// the hashes compared with <see cref="CryptographicOperations.FixedTimeEquals"/>: that comparison
/// is constant-time only for inputs of equal length, and on raw bytes it returns early on a length
/// mismatch, which tells a prober how long the secret is.
/// </summary>
public sealed class SharedSecret
{
    // Secrets this short hash from the stack; longer ones (a prober's) rent nothing, they allocate.
    private const int StackBytes = 256;

    private readonly byte[] _hash;

    private SharedSecret(string secret) => _hash = SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>The secret to check, or null when <paramref name="secret"/> is null or empty (no check).</summary>
    public static SharedSecret? From(string? secret) => string.IsNullOrEmpty(secret) ? null : new SharedSecret(secret);

    /// <summary>True when <paramref name="presented"/> is the secret, in time that depends on neither's length or content.</summary>
    public bool Matches(string? presented)
    {
        if (presented is null)
        {
            return false;
        }

        int max = Encoding.UTF8.GetMaxByteCount(presented.Length);
        Span<byte> utf8 = max <= StackBytes ? stackalloc byte[StackBytes] : new byte[max];
        int n = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..n], hash);
        return CryptographicOperations.FixedTimeEquals(hash, _hash);
    }

    /// <summary>True when <paramref name="request"/> carries the secret in <see cref="PeerProtocolHeaders.Secret"/>.</summary>
    public bool IsPresentedBy(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Matches(request.Headers[PeerProtocolHeaders.Secret]);
    }
}
