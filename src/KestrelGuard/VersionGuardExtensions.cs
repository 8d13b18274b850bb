using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace KestrelGuard;

/// <summary>Puts <see cref="VersionGuardReader"/> in front of Kestrel's HTTP/1.1 parser.</summary>
public static class VersionGuardExtensions
{
    /// <summary>
    /// Guards every listener configured after this call (<see cref="UseUnknownVersionGuard(ListenOptions)"/>
    /// on each); call it before the <c>Listen</c> calls.
    /// </summary>
    public static KestrelServerOptions UseUnknownVersionGuard(this KestrelServerOptions kestrel)
    {
        kestrel.ConfigureEndpointDefaults(listen => listen.UseUnknownVersionGuard());
        return kestrel;
    }

    /// <summary>
    /// Serves HTTP/1.1 only (what our peers and clients speak; it also keeps an HTTP/2 preface from
    /// being a special case) and answers a request line with an unknown version with 400.
    /// </summary>
    public static ListenOptions UseUnknownVersionGuard(this ListenOptions listen)
    {
        listen.Protocols = HttpProtocols.Http1;
        listen.Use(next => async connection =>
        {
            var transport = connection.Transport;
            connection.Transport = new GuardedPipe(new VersionGuardReader(transport.Input), transport.Output);
            try
            {
                await next(connection).ConfigureAwait(false);
            }
            finally
            {
                connection.Transport = transport;
            }
        });
        return listen;
    }

    private sealed class GuardedPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
