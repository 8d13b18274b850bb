using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ServiceCommon;

/// <summary>
/// For a service that listens on loopback only: refuses a request whose Host header names anything
/// but loopback (<c>localhost</c>, <c>*.localhost</c>, a loopback IP) or the service's own name for
/// itself. Loopback is treated as safe (CacheApp needs no secret there and warns of nothing), which
/// holds against other machines but not against DNS rebinding: a web page on evil.example whose
/// name is then made to resolve to 127.0.0.1 is same-origin with whatever it reaches there, so the
/// browser lets it post JSON (a cluster join, a write) and read the answers; only the Host header
/// still says evil.example.
/// </summary>
public static class LoopbackHostCheck
{
    /// <summary>What a refused request is told, with status 400.</summary>
    public const string Refusal = "this service listens on loopback only and answers requests addressed to localhost, a loopback IP or its own name, not to another name (a defence against DNS rebinding)";

    /// <summary>Whether a listen host (null or "*": every interface) is loopback only.</summary>
    public static bool IsLoopbackOnly(string? bindHost) =>
        bindHost is not null
        && (bindHost.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(bindHost.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));

    /// <summary>Whether a request addressed to <paramref name="host"/> (no port; IPv6 in brackets or not) is for this service.</summary>
    public static bool IsAllowed(string host, string? selfHost)
    {
        if (host.Length == 0 || (selfHost is not null && string.Equals(host, selfHost, StringComparison.OrdinalIgnoreCase)))
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

    /// <summary>
    /// First in the pipeline of a loopback-only service: a request for another host gets
    /// <paramref name="refuse"/> (a 400 with the service's JSON error body and <see cref="Refusal"/>).
    /// </summary>
    /// <param name="selfHost">The service's own name for itself (CacheApp's SELF_HOST), allowed too; null for none.</param>
    public static IApplicationBuilder UseLoopbackHostCheck(this IApplicationBuilder app, string? selfHost, Func<HttpContext, Task> refuse)
    {
        ArgumentNullException.ThrowIfNull(refuse);

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

            if (IsAllowed(host.Host, selfHost))
            {
                Volatile.Write(ref lastAllowed, host.Value);
                return next(ctx);
            }

            return refuse(ctx);
        });
    }
}
