using CacheApp.Source;
using GroupCache;
using ServiceCommon;

namespace CacheApp.Api;

/// <summary>GET /api/data/{key}: the value through the group (cache, then owner peer, then source). PUT and DELETE: <see cref="WriteEndpoints"/>.</summary>
internal static partial class DataEndpoints
{
    /// <summary>PUT and DELETE of a key, and the 400 for a GET without one; <see cref="UseDataReads"/> answers every GET of a key.</summary>
    public static IEndpointRouteBuilder MapCacheApi(this IEndpointRouteBuilder app)
    {
        app.MapWriteApi();
        app.MapGet("/api/data", ctx => JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, "key is empty"));
        return app;
    }

    /// <summary>
    /// Answers GET /api/data/{key} ahead of routing, and is its only handler: the data API's reads are
    /// nearly all the traffic, and endpoint routing would cost each of them a match and a route-value
    /// dictionary for a key we read from the raw target anyway (the decoded path has already lost the
    /// difference between "/" and "%2F"). Everything else goes on to routing. Being middleware, not
    /// an endpoint, it takes its dependencies once when the pipeline is built; every endpoint takes
    /// its own as handler parameters.
    /// </summary>
    public static IApplicationBuilder UseDataReads(this IApplicationBuilder app, Group group, ILogger logger) =>
        app.Use((ctx, next) =>
            HttpMethods.IsGet(ctx.Request.Method) && ctx.Request.Path.StartsWithSegments("/api/data", StringComparison.OrdinalIgnoreCase, out var rest) && rest.HasValue && rest.Value!.Length > 1
                ? GetAsync(ctx, group, logger)
                : next(ctx));

    private static Task GetAsync(HttpContext ctx, Group group, ILogger logger)
    {
        if (!DataKey.TryRead(ctx, out string? key, out string? error))
        {
            return JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, error);
        }

        ValueTask<ByteView> pending = group.GetAsync(key, ctx.RequestAborted);
        if (pending.IsCompletedSuccessfully)
        {
            return JsonResponses.WriteValueAsync(ctx.Response, key, pending.Result, ctx.RequestAborted);
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

        await JsonResponses.WriteValueAsync(ctx.Response, key, value, ctx.RequestAborted);
    }

    [LoggerMessage(300, LogLevel.Debug, "Load of {Key} failed: {Error}")]
    private static partial void LogLoadFailed(ILogger logger, string key, string error);
}
