using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace SourceApp.Options;

/// <summary>
/// A Go-style listen address: <c>:8086</c> (every interface), <c>127.0.0.1:8086</c>,
/// <c>0.0.0.0:8086</c>, <c>[::1]:8086</c> or <c>localhost:8086</c>. Port 0 asks the OS for a free port.
/// </summary>
public sealed record ListenAddress(string Host, int Port)
{
    /// <summary>True when the host part was empty, as in Go's <c>:8086</c>: listen on every interface.</summary>
    public bool IsAnyHost => Host.Length == 0;

    public bool IsLocalhost => Host.Equals("localhost", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when only this machine can connect: localhost or a loopback IP.</summary>
    public bool IsLoopbackOnly => !IsAnyHost && ServiceCommon.LoopbackHostCheck.IsLoopbackOnly(Host);

    /// <summary>The IP literal to bind, or null for "any" and "localhost".</summary>
    public IPAddress? Ip => IsAnyHost || IsLocalhost ? null : IPAddress.Parse(Host.Trim('[', ']'));

    public static ListenAddress Parse(string text) =>
        TryParse(text, out var address, out var error) ? address : throw new FormatException(error);

    public static bool TryParse(string text, [NotNullWhen(true)] out ListenAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        var colon = text.LastIndexOf(':');
        if (colon < 0)
        {
            error = $"address \"{text}\" has no port (want host:port, e.g. :8086 or 127.0.0.1:8086)";
            return false;
        }

        var host = text[..colon];
        var portText = text[(colon + 1)..];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"address \"{text}\" has a bad port \"{portText}\"";
            return false;
        }

        if (host.StartsWith('['))
        {
            // An IPv6 literal must be bracketed, as in Go and in URLs: [::1]:8086.
            if (!host.EndsWith(']') || !IPAddress.TryParse(host[1..^1], out var v6)
                || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = $"address \"{text}\" has a bad IPv6 host";
                return false;
            }
        }
        else if (host.Length > 0 && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Only IPv4 literals here: an unbracketed "::1:8086" is ambiguous, and other host names are
            // not resolved (a service should bind to an address, not to whatever DNS says today).
            if (!IPAddress.TryParse(host, out var v4) || v4.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
                || host.Count(c => c == '.') != 3)
            {
                error = $"address \"{text}\" has a bad host \"{host}\" (want an IP address, localhost, or nothing)";
                return false;
            }
        }

        address = new ListenAddress(host, port);
        error = null;
        return true;
    }

    public override string ToString() => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
