using System.Diagnostics.CodeAnalysis;
using GroupCache.Http;

namespace CacheApp.Cluster;

/// <summary>
/// Checks a cluster message from the network before it touches the table: every field's type (the
/// JSON reader did that), range and size. Addresses are http(s) base URLs, normalised as the ring
/// names them; counters and ages are non-negative and bounded; lists are capped
/// (<see cref="ClusterLimits"/>); states are one of the four names.
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

        if (message.Members.Count > ClusterLimits.MaxMembersPerMessage)
        {
            error = $"A cluster message may list at most {ClusterLimits.MaxMembersPerMessage} members.";
            return false;
        }

        if (!TryAddress(message.From, "from", out string? from, out error)
            || !TryOptionalAddress(message.FromApi, "fromApi", out string? fromApi, out error)
            || !TryOptionalAddress(message.Target, "target", out string? target, out error)
            || !TryOptionalAddress(message.TargetApi, "targetApi", out string? targetApi, out error))
        {
            return false;
        }

        if (message.Seq is < 0 or > ClusterLimits.MaxCounter)
        {
            error = $"seq must be between 0 and {ClusterLimits.MaxCounter}.";
            return false;
        }

        if (message.Page is < 0 or > ClusterLimits.MaxPage)
        {
            error = $"page must be between 0 and {ClusterLimits.MaxPage}.";
            return false;
        }

        var members = new MemberDigest[message.Members.Count];
        for (int i = 0; i < members.Length; i++)
        {
            if (!TryMember(message.Members[i], i, out var member, out error))
            {
                return false;
            }

            members[i] = member;
        }

        normalized = message with { From = from, FromApi = fromApi, Target = target, TargetApi = targetApi, Members = members };
        error = null;
        return true;
    }

    private static bool TryMember(MemberDigest? d, int index, [NotNullWhen(true)] out MemberDigest? member, [NotNullWhen(false)] out string? error)
    {
        member = null;
        if (d is null)
        {
            error = $"members[{index}] is null.";
            return false;
        }

        if (!TryAddress(d.ApiAddr, $"members[{index}].apiAddr", out string? api, out error) || !TryAddress(d.GroupCacheAddr, $"members[{index}].groupCacheAddr", out string? gc, out error))
        {
            return false;
        }

        if (d.Incarnation is < 0 or > ClusterLimits.MaxCounter || d.Heartbeat is < 0 or > ClusterLimits.MaxCounter)
        {
            error = $"members[{index}]: incarnation and heartbeat must be between 0 and {ClusterLimits.MaxCounter}.";
            return false;
        }

        if (d.AgeMs is < 0 or > ClusterLimits.MaxAgeMs)
        {
            error = $"members[{index}]: ageMs must be between 0 and {ClusterLimits.MaxAgeMs}.";
            return false;
        }

        if (d.State is not (null or "alive" or "suspect" or "dead" or "left"))
        {
            error = $"members[{index}]: state must be alive, suspect, dead or left.";
            return false;
        }

        member = d with { ApiAddr = api, GroupCacheAddr = gc };
        error = null;
        return true;
    }

    private static bool TryOptionalAddress(string? text, string field, out string? normalized, [NotNullWhen(false)] out string? error)
    {
        if (text is null)
        {
            normalized = null;
            error = null;
            return true;
        }

        return TryAddress(text, field, out normalized, out error);
    }

    private static bool TryAddress(string? text, string field, [NotNullWhen(true)] out string? normalized, [NotNullWhen(false)] out string? error)
    {
        normalized = null;
        if (text is null)
        {
            error = $"{field} is missing.";
            return false;
        }

        if (text.Length > ClusterLimits.MaxAddressLength)
        {
            error = $"{field} is longer than {ClusterLimits.MaxAddressLength} characters.";
            return false;
        }

        if (!PeerAddress.TryNormalize(text, out string value, out error))
        {
            return false;
        }

        normalized = value;
        return true;
    }
}
