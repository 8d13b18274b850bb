using CacheApp.Source;
using GroupCache;
using Microsoft.AspNetCore.Http.Features;

namespace CacheApp.Api;

/// <summary>GET /api/data/{key}: the value through the group (cache, then owner peer, then source). PUT and DELETE: <see cref="WriteEndpoints"/>.</summary>
internal static partial class DataEndpoints
{
    private const string Prefix = "/api/data/";

    public static IEndpointRouteBuilder MapCacheApi(this IEndpointRouteBuilder app, Group group, ILogger logger)
    {
        // The route only selects the endpoint; the key is read from the raw target, because the
        // decoded path has already lost the difference between "/" and "%2F".
        RequestDelegate handler = ctx => GetAsync(ctx, group, logger);
        app.MapGet("/api/data/{**key}", handler);
        app.MapWriteApi(logger);
        app.MapGet("/api/data", ctx => JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, "key is empty"));
        return app;
    }

    /// <summary>
    /// Answers GET /api/data/{key} ahead of routing: the data API's reads are nearly all the traffic,
    /// and endpoint routing would cost each of them a match and a route-value dictionary for a key
    /// we read from the raw target anyway. Everything else goes on to routing.
    /// </summary>
    public static IApplicationBuilder UseDataReads(this IApplicationBuilder app, Group group, ILogger logger) =>
        app.Use((ctx, next) =>
            HttpMethods.IsGet(ctx.Request.Method) && ctx.Request.Path.StartsWithSegments("/api/data", StringComparison.OrdinalIgnoreCase, out var rest) && rest.HasValue && rest.Value!.Length > 1
                ? GetAsync(ctx, group, logger)
                : next(ctx));

    private static Task GetAsync(HttpContext ctx, Group group, ILogger logger)
    {
        if (!TryReadKey(ctx, out string? key, out string? error))
        {
            return JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, error);
        }

        ValueTask<ByteView> pending = group.GetAsync(key, ctx.RequestAborted);
        if (pending.IsCompletedSuccessfully)
        {
            JsonResponses.WriteValue(ctx.Response, key, pending.Result);
            return Task.CompletedTask;
        }

        return AwaitAsync(ctx, key, pending, logger);
    }

    private static async Task AwaitAsync(HttpContext ctx, string key, ValueTask<ByteView> pending, ILogger logger)
    {
        ByteView value;
        try
        {
            value = await pending;
        }
        catch (NotFoundException)
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status404NotFound, $"key not found: {key}");
            return;
        }
        catch (SourceTimeoutException ex)
        {
            LogLoadFailed(logger, key, ex.Message);
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status504GatewayTimeout, ex.Message);
            return;
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            return; // The client went away; nobody reads an answer.
        }
        catch (Exception ex)
        {
            // SourceUnavailableException, or anything else a load threw: the source side failed.
            LogLoadFailed(logger, key, ex.Message);
            // Anything but our own source exceptions may carry internals (addresses, types): the log has them.
            string message = ex is SourceUnavailableException ? ex.Message : "load failed";
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status502BadGateway, message);
            return;
        }

        JsonResponses.WriteValue(ctx.Response, key, value);
    }

    internal static bool TryReadKey(HttpContext ctx, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? key, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        // RawTarget is the path as sent ("origin form"), or a whole URL in the rare absolute form.
        string raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? ctx.Request.Path.Value ?? string.Empty;
        int at = raw.IndexOf(Prefix, StringComparison.OrdinalIgnoreCase);
        ReadOnlySpan<char> target = at >= 0 ? raw.AsSpan(at + Prefix.Length) : [];
        int query = target.IndexOf('?');
        if (query >= 0)
        {
            target = target[..query];
        }

        return KeyDecoder.TryDecode(target, out key, out error);
    }

    [LoggerMessage(300, LogLevel.Debug, "Load of {Key} failed: {Error}")]
    private static partial void LogLoadFailed(ILogger logger, string key, string error);
}
