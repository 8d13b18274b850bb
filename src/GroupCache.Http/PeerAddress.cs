using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace GroupCache.Http;

/// <summary>
/// Canonical peer names, <c>http://host:port</c>: scheme and host lower-cased, the port always
/// explicit, no path, query or trailing slash. Every node must spell a peer the same way, because
/// the ring hashes the name: "http://A:80/" and "http://a" are one peer but two places on a ring.
/// </summary>
public static class PeerAddress
{
    /// <summary>The canonical form of <paramref name="url"/>.</summary>
    /// <exception cref="FormatException">It is not an http(s) base URL.</exception>
    public static string Normalize(string url)
    {
        if (!TryNormalize(url, out string normalized, out string? error))
        {
            throw new FormatException(error);
        }

        return normalized;
    }

    /// <summary>Like <see cref="Normalize"/>, but says what is wrong instead of throwing.</summary>
    /// <param name="url">The peer's base URL as given.</param>
    /// <param name="normalized">The canonical form when the URL is valid; otherwise empty.</param>
    /// <param name="error">Why the URL is not a valid peer address, when it is not.</param>
    /// <returns>True when <paramref name="url"/> is a valid peer address.</returns>
    public static bool TryNormalize([NotNullWhen(true)] string? url, out string normalized, [NotNullWhen(false)] out string? error)
    {
        normalized = string.Empty;
        string text = url?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            error = "A peer address is empty.";
            return false;
        }

        if (!text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            error = $"Peer address '{text}' must start with http:// or https://.";
            return false;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            error = $"Peer address '{text}' is not a valid URL.";
            return false;
        }

        if (uri.UserInfo.Length != 0)
        {
            error = $"Peer address '{text}' must not carry user information.";
            return false;
        }

        if (uri.AbsolutePath != "/" || uri.Query.Length != 0 || uri.Fragment.Length != 0 || text.EndsWith('?') || text.EndsWith('#'))
        {
            error = $"Peer address '{text}' must be a base URL without path, query or fragment (like http://127.0.0.1:8080).";
            return false;
        }

        // Uri.Host keeps the brackets of an IPv6 address and lower-cases DNS names already; the
        // explicit lower-casing covers the rest.
        normalized = string.Create(
            CultureInfo.InvariantCulture,
            $"{uri.Scheme.ToLowerInvariant()}://{uri.Host.ToLowerInvariant()}:{uri.Port}");
        error = null;
        return true;
    }
}
