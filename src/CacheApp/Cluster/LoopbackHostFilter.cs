using System.Net;
using CacheApp.Api;
using CacheApp.Configuration;

namespace CacheApp.Cluster;

/// <summary>
/// On a node that listens on loopback only, answers 400 to a request whose Host header names
/// anything but loopback (<c>localhost</c>, <c>*.localhost</c>, a loopback IP) or this node's
/// SELF_HOST. Loopback is treated as safe (no secret needed, no warning), which holds against other
/// machines but not against DNS rebinding: a web page on evil.example whose name is then made to
/// resolve to 127.0.0.1 is same-origin with whatever it reaches there, so the browser lets it post
/// JSON to <c>/api/cluster/join</c> and read values; only the Host header still says evil.example.
/// </summary>
internal static class LoopbackHostFilter
{
    /// <summary>Whether the filter runs: the node listens on loopback only.</summary>
    public static bool Applies(CacheAppSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return ClusterExposure.IsLoopback(settings.BindHost);
    }

    /// <summary>Whether a request addressed to <paramref name="host"/> (no port; IPv6 in brackets or not) is for this node.</summary>
    public static bool IsAllowed(string host, string selfHost)
    {
        if (host.Length == 0 || string.Equals(host, selfHost, StringComparison.OrdinalIgnoreCase))
        {
            // No Host at all is no browser's request (HTTP/1.1 requires one; Kestrel refuses it missing).
            return true;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true; // browsers resolve every *.localhost name to loopback themselves (RFC 6761)
        }

        var literal = host.StartsWith('[') && host.EndsWith(']') ? host.AsSpan(1, host.Length - 2) : host.AsSpan();
        return IPAddress.TryParse(literal, out var ip) && IPAddress.IsLoopback(ip);
    }

    public static IApplicationBuilder UseLoopbackHostFilter(this IApplicationBuilder app, CacheAppSettings settings)
    {
        if (!Applies(settings))
        {
            return app;
        }

        // Nearly every request names the same Host as the one before: remembered whole (the header
        // as sent, port included), it costs a hit one string comparison, where taking the host part
        // out (HostString.Host) allocated a string per request and parsing it cost more.
        string? lastAllowed = null;
        return app.Use((ctx, next) =>
        {
            var host = ctx.Request.Host;
            if (string.Equals(host.Value, Volatile.Read(ref lastAllowed), StringComparison.Ordinal))
            {
                return next(ctx);
            }

            if (IsAllowed(host.Host, settings.SelfHost))
            {
                Volatile.Write(ref lastAllowed, host.Value);
                return next(ctx);
            }

            return JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest,
                "this node listens on loopback only and answers requests addressed to localhost, a loopback IP or its SELF_HOST, not to another name (a defence against DNS rebinding)");
        });
    }
}
