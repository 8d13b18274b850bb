using CacheApp.Cluster;
using CacheApp.Discovery;
using CacheApp.Freshness;
using CacheApp.Source;
using ServiceCommon;

namespace CacheApp.Api;

/// <summary>
/// PUT /api/data/{key} (write-through: the source, then a cluster-wide invalidation) and
/// DELETE /api/data/{key} (a cluster-wide invalidation only; the source's record stays).
/// </summary>
internal static partial class WriteEndpoints
{
    /// <summary>The largest PUT body a node buffers; the source applies its own (smaller) limit after.</summary>
    public const int MaxWriteBodyBytes = 16 << 20;

    /// <summary>"confirmed/ringSize" of the invalidation that followed a write.</summary>
    public const string InvalidatedHeader = "X-Cache-Invalidated";

    public static IEndpointRouteBuilder MapWriteApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/api/data/{**key}", PutAsync);
        app.MapDelete("/api/data/{**key}", DeleteAsync);
        return app;
    }

    /// <summary>
    /// Writes to the source; then, unless the source refused the write (4xx), invalidates the key on
    /// every ring member before answering, so that once the client has its answer every node serves
    /// what the source holds. The source's status and body are passed on (201, 200, 400, 401, 413,
    /// 415…); a failing source is 502, a slow one 504; a write that some ring member did not confirm
    /// forgetting is 502 too, naming the members (as a DELETE does). Before DNS or Kubernetes
    /// discovery has answered, 503 and nothing written.
    /// </summary>
    /// <remarks>
    /// A timeout, a dropped connection or a 5xx does not say that nothing was written: the source
    /// may have committed the write and failed only to answer. The invalidation costs one reload of
    /// the key; leaving it out could leave the old value cached on every node for good. After a
    /// timeout the source may also commit later than the invalidation; that write is covered only
    /// by the source's own notification (-notify) or the TTL.
    /// </remarks>
    private static async Task PutAsync(HttpContext ctx, SourceWriter writer, ClusterInvalidator invalidator, InvalidationStats stats, FirstDiscoveryAnswer discovery, ILogger<SourceWriter> logger)
    {
        if (!DataKey.TryRead(ctx, out string? key, out string? error))
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, error);
            return;
        }

        // Refused before the source sees it: the write could not be followed by an invalidation of
        // the members this node does not know yet. Nothing is written; the client may retry.
        if (await RefusedBeforeDiscoveryAsync(ctx, discovery))
        {
            return;
        }

        // Refused here as the source would refuse it; the body goes to the source as JSON, whatever
        // accepted type it came with (curl -d sends JSON as a form).
        if (!JsonBodyType.IsAccepted(ctx.Request.ContentType))
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status415UnsupportedMediaType, JsonBodyType.Refusal);
            return;
        }

        // The client's token is passed on, as ASCII: anything else would fail the source request
        // before it is sent, which this node could not tell from a write that failed under way, so it
        // would answer 502 and make every member forget the key for nothing.
        string authorization = ctx.Request.Headers.Authorization.ToString();
        if (ForwardedHeader.Refusal("Authorization", authorization) is { } refusal)
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, refusal);
            return;
        }

        byte[]? body = await ReadBodyAsync(ctx.Request, MaxWriteBodyBytes, ctx.RequestAborted);
        if (body is null)
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status413PayloadTooLarge, $"body over {MaxWriteBodyBytes} bytes");
            return;
        }

        SourceWriteResult result;
        try
        {
            stats.OnWrite();
            result = await writer.PutAsync(key, body, authorization);
        }
        catch (SourceTimeoutException ex)
        {
            LogWriteFailed(logger, key, ex.Message);
            await InvalidateAsync(ctx, invalidator, key);
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status504GatewayTimeout, ex.Message);
            return;
        }
        catch (SourceUnavailableException ex)
        {
            LogWriteFailed(logger, key, ex.Message);
            await InvalidateAsync(ctx, invalidator, key);
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status502BadGateway, ex.Message);
            return;
        }

        if (result.Status >= 500)
        {
            // The source's own failure is a bad gateway here, as on a read.
            string text = System.Text.Encoding.UTF8.GetString(result.Body.AsSpan(0, Math.Min(result.Body.Length, 500)));
            LogWriteFailed(logger, key, $"source answered {result.Status}: {text}");
            await InvalidateAsync(ctx, invalidator, key);
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status502BadGateway, $"source answered {result.Status}: {text}");
            return;
        }

        if (result.Status < 400)
        {
            var invalidation = await InvalidateAsync(ctx, invalidator, key);
            if (invalidation.Unreached.Count > 0)
            {
                // Written, but not a success: a member that did not confirm may still serve the old
                // value, also to the other nodes when it owns the key; only the source's -notify
                // retries would repair it. A PUT may be repeated: the retry writes the same record
                // and asks every member again. (Members that cannot forget, Go nodes, are named but
                // do not make this a 502, as for DELETE: a retry would not change them.)
                await WriteUnconfirmedAsync(ctx, key, invalidation,
                    $"written to the source (HTTP {result.Status}), but {invalidation.Unreached.Count} of {invalidation.RingSize} ring members did not confirm the invalidation; they may still serve the old value: retry the write");
                return;
            }
        }

        ctx.Response.StatusCode = result.Status;
        ctx.Response.ContentType = result.ContentType ?? JsonResponses.ContentType;
        ctx.Response.ContentLength = result.Body.Length;
        await ctx.Response.Body.WriteAsync(result.Body, ctx.RequestAborted);
    }

    private static async Task<InvalidationResult> InvalidateAsync(HttpContext ctx, ClusterInvalidator invalidator, string key)
    {
        var invalidation = await invalidator.InvalidateAsync(key);
        ctx.Response.Headers[InvalidatedHeader] = $"{invalidation.Confirmed}/{invalidation.RingSize}";
        return invalidation;
    }

    /// <summary>502 naming the members that did not confirm an invalidation, with <paramref name="error"/>.</summary>
    private static Task WriteUnconfirmedAsync(HttpContext ctx, string key, InvalidationResult result, string error)
    {
        ctx.Response.StatusCode = StatusCodes.Status502BadGateway;
        return ctx.Response.WriteAsJsonAsync(
            new RemoveResponse(key, result.Confirmed, result.RingSize, result.Unreached, result.CannotForget, error),
            CacheAppJsonContext.Default.RemoveResponse,
            contentType: null,
            ctx.RequestAborted);
    }

    /// <summary>
    /// Forgets the key on every ring member, in two passes (the source's -notify sends this after
    /// each write). Answers once each member confirmed or timed out: 200 {"key", "confirmed",
    /// "ringSize", "unreached": [], "cannotForget"} when no member was unreached, else 502 with the same
    /// fields and "error"; 503 {"error"} before DNS or Kubernetes discovery has answered (the ring
    /// is this node alone then, for want of an answer). A key nobody holds is fine. With a cluster secret, a request
    /// without it in X-GroupCache-Secret gets 401: making every node forget a key is a cluster
    /// operation, and anyone could otherwise empty the caches key by key.
    /// </summary>
    private static async Task DeleteAsync(HttpContext ctx, ClusterSecretCheck secret, ClusterInvalidator invalidator, FirstDiscoveryAnswer discovery)
    {
        if (!secret.Allows(ctx.Request))
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status401Unauthorized, ClusterSecretCheck.Refusal);
            return;
        }

        if (!DataKey.TryRead(ctx, out string? key, out string? error))
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, error);
            return;
        }

        // A 200 over a ring of this node alone, for want of a discovery answer, would tell the
        // source that every owner forgot the key while the real owner still serves it.
        if (await RefusedBeforeDiscoveryAsync(ctx, discovery))
        {
            return;
        }

        // Not a success while a member that can forget may still hold the key: the source counts
        // any 2xx as a confirmed invalidation and stops retrying, so a 200 here would leave that
        // member's old value cached for good. A retry asks every member again. Members that cannot
        // forget at all (Go nodes) are named, but a retry would not change them: no 502 for them.
        var result = await invalidator.InvalidateAsync(key);
        if (result.Unreached.Count > 0)
        {
            await WriteUnconfirmedAsync(ctx, key, result, $"{result.Unreached.Count} of {result.RingSize} ring members did not confirm; they may still hold the key: retry");
            return;
        }

        await ctx.Response.WriteAsJsonAsync(
            new RemoveResponse(key, result.Confirmed, result.RingSize, result.Unreached, result.CannotForget, null),
            CacheAppJsonContext.Default.RemoveResponse,
            contentType: null,
            ctx.RequestAborted);
    }

    /// <summary>
    /// 503 {"error"} while DNS or Kubernetes discovery has not answered yet (see
    /// <see cref="FirstDiscoveryAnswer"/>): a notifier counts only a 2xx as confirmed, so it retries.
    /// </summary>
    private static async Task<bool> RefusedBeforeDiscoveryAsync(HttpContext ctx, FirstDiscoveryAnswer discovery)
    {
        if (discovery.NotYet(withCause: false) is not { } why)
        {
            return false;
        }

        await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status503ServiceUnavailable, why + ": retry");
        return true;
    }

    /// <summary>The whole body, or null when it is longer than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        // The declared length only sizes the first buffer, up to 64 KiB: a client that declares 16 MB
        // and then sends a byte at a time must not hold 16 MB per connection.
        using var buffer = new MemoryStream(request.ContentLength is long length ? (int)Math.Min(length, 64 * 1024) : 1024);
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    [LoggerMessage(301, LogLevel.Warning, "Write of {Key} failed: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string key, string error);
}
