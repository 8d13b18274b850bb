using System.IO.Pipelines;
using Google.Protobuf;
using GroupCache.Diagnostics;
using GroupCache.Http.Protocol;
using GroupCache.Peers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace GroupCache.Http;

/// <summary>
/// Serves peers (Go's <c>HTTPPool.ServeHTTP</c>): <c>GET {basePath}{group}/{key}</c> answers from
/// this node's caches or a local load — never by asking a third node — and <c>DELETE</c> of the
/// same path forgets the key here. Requests outside the base path go to the next middleware.
/// </summary>
internal sealed partial class PeerProtocolMiddleware
{
    // Above this size a value is not copied into one span of the response's buffer but written
    // from where it lies.
    private const int LargeMessageBytes = 64 * 1024;

    // Field 1 (value), wire type 2 (length-delimited).
    private const byte ValueTag = 0x0A;

    private readonly RequestDelegate _next;
    private readonly GroupRegistry _registry;
    private readonly string _basePath;
    private readonly SharedSecret? _secret;

    public PeerProtocolMiddleware(RequestDelegate next, GroupRegistry registry, HttpPoolOptions options)
    {
        _next = next;
        _registry = registry;
        _basePath = options.BasePath;
        _secret = SharedSecret.From(options.ClusterSecret);
    }

    public Task InvokeAsync(HttpContext context)
    {
        // Kestrel's Request.Path has unescaped all but %2F and resolved dot segments, and has
        // lost the difference between '+' and %2B; the key is read from the request target as the
        // client sent it. Servers without one (TestServer) get the unescaped path.
        string? target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        bool isRaw = !string.IsNullOrEmpty(target);
        ReadOnlySpan<char> path = isRaw ? PeerPath.PathOf(target) : (context.Request.PathBase + context.Request.Path).Value;
        if (!path.StartsWith(_basePath, StringComparison.Ordinal))
        {
            return _next(context);
        }

        if (_secret is not null && !_secret.IsPresentedBy(context.Request))
        {
            return ErrorAsync(context, StatusCodes.Status401Unauthorized, "missing or wrong cluster secret");
        }

        string method = context.Request.Method;
        bool isGet = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        if (!isGet && !HttpMethods.IsDelete(method))
        {
            context.Response.Headers.Allow = "GET, HEAD, DELETE";
            return ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, $"method {method} not allowed");
        }

        var rest = path[_basePath.Length..];
        if (!(isRaw ? PeerPath.TrySplit(rest, out string groupName, out string key) : PeerPath.TrySplitDecoded(rest, out groupName, out key)))
        {
            return ErrorAsync(context, StatusCodes.Status400BadRequest, "bad request: expected {basePath}{group}/{key}, each query-escaped");
        }

        if (!_registry.TryGet(groupName, out var group))
        {
            return ErrorAsync(context, StatusCodes.Status404NotFound, "no such group: " + groupName);
        }

        if (!isGet)
        {
            group.Remove(key);
            context.Response.StatusCode = StatusCodes.Status200OK;
            return Task.CompletedTask;
        }

        return GroupCacheTracing.Source.HasListeners() ? ServeTracedAsync(context, group, groupName, key) : ServeGet(context, group, key);
    }

    private static Task ServeGet(HttpContext context, Group group, string key)
    {
        var pending = group.GetForPeerAsync(key, context.RequestAborted);
        return pending.IsCompletedSuccessfully
            ? WriteValueAsync(context, GetResponseCodec.ToMessage(pending.Result))
            : AwaitAndWriteAsync(context, pending);
    }

    private static async Task AwaitAndWriteAsync(HttpContext context, ValueTask<PeerResponse> pending)
    {
        PeerResponse response;
        try
        {
            response = await pending.ConfigureAwait(false);
        }
        catch (NotFoundException ex)
        {
            context.Response.Headers[PeerProtocolHeaders.NotFound] = "1";
            await ErrorAsync(context, StatusCodes.Status404NotFound, ex.Message).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The peer hung up; there is no one to answer.
            return;
        }
        catch (ArgumentException ex)
        {
            // The getter refuses the key itself: the asker's mistake, not a failure here (Go answers
            // 500 for every error; any non-200 is a peer error to Go and .NET peers alike).
            await ErrorAsync(context, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            // Not logged here: the group logged the failed load already, rate-limited (a peer
            // asking again and again while the source is down would otherwise write a line per request).
            await ErrorAsync(context, StatusCodes.Status500InternalServerError, ex.Message).ConfigureAwait(false);
            return;
        }

        await WriteValueAsync(context, GetResponseCodec.ToMessage(response)).ConfigureAwait(false);
    }

    private static Task WriteValueAsync(HttpContext context, GetResponse message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = PeerProtocolHeaders.ProtobufContentType;
        int size = message.CalculateSize();
        response.ContentLength = size;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return Task.CompletedTask;
        }

        var writer = response.BodyWriter;
        if (size > LargeMessageBytes)
        {
            return WriteLargeValueAsync(writer, message, context.RequestAborted);
        }

        // Encoded straight into the response's buffer: no intermediate array.
        message.WriteTo(writer.GetSpan(size)[..size]);
        writer.Advance(size);
        var flush = writer.FlushAsync(context.RequestAborted);
        return flush.IsCompletedSuccessfully ? Task.CompletedTask : flush.AsTask();
    }

    /// <summary>
    /// Writes the value's framing, then the value from the cache's own memory, then the other
    /// fields — the bytes protobuf would write, as field 1 comes first — without asking the
    /// pipe for one span the size of the whole value.
    /// </summary>
    private static async Task WriteLargeValueAsync(PipeWriter writer, GetResponse message, CancellationToken cancellationToken)
    {
        var value = message.Value.Memory;
        var rest = new GetResponse();
        if (message.HasMinuteQps)
        {
            rest.MinuteQps = message.MinuteQps;
        }

        if (message.HasExpire)
        {
            rest.Expire = message.Expire;
        }

        int head = 1 + CodedOutputStream.ComputeLengthSize(value.Length);
        var span = writer.GetSpan(head);
        span[0] = ValueTag;
        int n = 1;
        for (uint length = (uint)value.Length; ; length >>= 7)
        {
            if (length < 0x80)
            {
                span[n++] = (byte)length;
                break;
            }

            span[n++] = (byte)(length | 0x80);
        }

        writer.Advance(n);
        await writer.WriteAsync(value, cancellationToken).ConfigureAwait(false);
        int tail = rest.CalculateSize();
        if (tail > 0)
        {
            rest.WriteTo(writer.GetSpan(tail)[..tail]);
            writer.Advance(tail);
        }

        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static Task ErrorAsync(HttpContext context, int status, string message)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        byte[] body = ErrorBody.Encode(message);
        response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, 0, body.Length, context.RequestAborted);
    }
}
