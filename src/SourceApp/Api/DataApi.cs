using Microsoft.AspNetCore.Http.HttpResults;
using ServiceCommon;
using SourceApp.Notify;
using SourceApp.Options;
using SourceApp.Storage;
using SourceApp.Telemetry;

namespace SourceApp.Api;

/// <summary><c>GET|PUT|DELETE /api/data/{key}</c>: one record by key.</summary>
public static class DataApi
{
    // A catch-all so that keys with literal '/' (and an empty key, for its 400) reach the handler; the
    // key itself is decoded from the raw target by DataKey, not taken from the route value.
    private const string Pattern = "/api/data/{**key}";

    /// <summary>Set on a write's answer when some notified cache nodes did not confirm in time: their URLs, comma-separated.</summary>
    public const string NotifyUnreachedHeader = "X-Notify-Unreached";

    public static IEndpointRouteBuilder MapDataApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Pattern, GetAsync);
        endpoints.MapPut(Pattern, PutAsync);
        endpoints.MapDelete(Pattern, DeleteAsync);
        return endpoints;
    }

    private static async Task<Results<JsonHttpResult<DataRecord>, JsonHttpResult<ErrorBody>>> GetAsync(
        HttpContext context, IRecordStore store, SourceMetrics metrics)
    {
        if (!DataKey.TryRead(context, out var key, out var error))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, error);
        }

        var record = await store.GetAsync(key, context.RequestAborted);
        metrics.OnRead(record is not null);
        return record is null
            ? ApiResults.Error(StatusCodes.Status404NotFound, "key not found")
            : TypedResults.Json(record, SourceJson.Context.DataRecord);
    }

    private static async Task<Results<JsonHttpResult<WrittenRecord>, JsonHttpResult<ErrorBody>>> PutAsync(
        HttpContext context, IRecordStore store, IWriteNotifier notifier, WriteToken token, SourceOptions options, SourceMetrics metrics)
    {
        if (!token.IsAuthorized(context.Request.Headers.Authorization))
        {
            return Unauthorized(context);
        }

        if (!DataKey.TryRead(context, out var key, out var error))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, error);
        }

        var body = await PutBody.ReadAsync(context.Request, options.MaxBodyBytes, context.RequestAborted);
        if (body.Value is null)
        {
            return ApiResults.Error(body.StatusCode, body.Error!);
        }

        // Not the request's token: once queued, the write is applied whether or not the client waits.
        var result = await store.PutAsync(key, body.Value, CancellationToken.None);
        metrics.OnPut();
        var unreached = NameUnreached(context, await notifier.KeyChangedAsync(key));
        return TypedResults.Json(new WrittenRecord(result.Record, unreached), SourceJson.Context.WrittenRecord,
            statusCode: result.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static async Task<Results<NoContent, JsonHttpResult<DeletedKey>, JsonHttpResult<ErrorBody>>> DeleteAsync(
        HttpContext context, IRecordStore store, IWriteNotifier notifier, WriteToken token, SourceMetrics metrics)
    {
        if (!token.IsAuthorized(context.Request.Headers.Authorization))
        {
            return Unauthorized(context);
        }

        if (!DataKey.TryRead(context, out var key, out var error))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, error);
        }

        bool deleted = await store.DeleteAsync(key, CancellationToken.None);
        if (deleted)
        {
            metrics.OnDelete();
        }

        // Notified even when the key was absent: a node that missed the invalidation of an earlier
        // delete (named unreached then, or down until the retries gave up) may still serve the old
        // value, and deleting again is how a client repairs that. Best effort only (no retries), as
        // nothing changed here.
        var unreached = NameUnreached(context, deleted ? await notifier.KeyChangedAsync(key) : await notifier.KeyMayBeStaleAsync(key));
        if (!deleted)
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, "key not found");
        }

        return unreached is null
            ? TypedResults.NoContent()
            : TypedResults.Json(new DeletedKey(key, unreached), SourceJson.Context.DeletedKey);
    }

    /// <summary>Sets <see cref="NotifyUnreachedHeader"/> and returns the list for the body; null when every node confirmed.</summary>
    private static string[]? NameUnreached(HttpContext context, IReadOnlyList<Uri> unreached)
    {
        if (unreached.Count == 0)
        {
            return null;
        }

        // The escaped form: a header value must be ASCII, and Kestrel refuses a non-ASCII one (a node
        // URL with "café" in its path) with an exception, which would answer a committed write 500.
        var names = unreached.Select(node => node.AbsoluteUri).ToArray();
        context.Response.Headers[NotifyUnreachedHeader] = string.Join(',', names);
        return names;
    }

    private static JsonHttpResult<ErrorBody> Unauthorized(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiResults.Error(StatusCodes.Status401Unauthorized, "writes need the header Authorization: Bearer <token>");
    }
}
