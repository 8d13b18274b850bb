using System.Diagnostics.CodeAnalysis;
using CacheApp.Configuration;
using GroupCache.Http;

namespace CacheApp.Cluster;

/// <summary>
/// Checks a cluster message from the network before it touches the table: http(s) addresses only,
/// normalised as the ring names them, and no more than <see cref="CacheAppSettings.MaxMembers"/> rows.
/// </summary>
public static class ClusterMessageValidator
{
    public static bool TryNormalize(ClusterMessage? message, [NotNullWhen(true)] out ClusterMessage? normalized, [NotNullWhen(false)] out string? error)
    {
        normalized = null;
        if (message?.Members is null || message.From is null)
        {
            error = "The body must be a cluster message: {\"from\": ..., \"members\": [...]}.";
            return false;
        }

        if (message.Members.Count > CacheAppSettings.MaxMembers)
        {
            error = $"A cluster message may list at most {CacheAppSettings.MaxMembers} members.";
            return false;
        }

        if (!PeerAddress.TryNormalize(message.From, out string from, out error))
        {
            return false;
        }

        var members = new MemberDigest[message.Members.Count];
        for (int i = 0; i < members.Length; i++)
        {
            var d = message.Members[i];
            if (d is null)
            {
                error = "A member entry is null.";
                return false;
            }

            if (!PeerAddress.TryNormalize(d.ApiAddr, out string api, out error) || !PeerAddress.TryNormalize(d.GroupCacheAddr, out string gc, out error))
            {
                return false;
            }

            if (d.Incarnation < 0 || d.Heartbeat < 0)
            {
                error = "Incarnation and heartbeat must not be negative.";
                return false;
            }

            members[i] = d with { ApiAddr = api, GroupCacheAddr = gc, AgeMs = Math.Max(0, d.AgeMs) };
        }

        normalized = new ClusterMessage(from, members);
        error = null;
        return true;
    }
}
