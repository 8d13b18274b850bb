using System.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace SourceApp.Api;

/// <summary>
/// The outermost middleware: logs one line per request (at Debug), turns a database held locked by another
/// process into a JSON 503 with <c>Retry-After</c>, any other unhandled exception into a JSON 500 without a
/// stack trace, and gives body-less errors from the framework (404 for an unknown
/// path, 405 for a wrong method, 400 for a bad request) a JSON <c>{"error": ...}</c> body.
/// </summary>
public sealed class JsonErrorsMiddleware(RequestDelegate next, ILogger<JsonErrorsMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // The client's fault (e.g. a body that ended early): its status, never a 500.
            context.Response.Clear();
            await ApiResults.WriteErrorAsync(context, ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "the body is too large" : "bad request");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (SqliteException ex) when (IsBusy(ex) && !context.Response.HasStarted)
        {
            // Another process held the database's lock past the busy timeout: the request was not
            // applied and may succeed again shortly. That is the service being unavailable, not broken.
            Log.DatabaseBusy(logger, context.Request.Method, Target(context), ex.Message);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = "1";
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable,
                "the database is locked by another process; retry shortly");
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            Log.Unhandled(logger, context.Request.Method, Target(context), ex);
            context.Response.Clear();
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status500InternalServerError, "internal error");
        }

        if (context.Response.StatusCode >= 400 && !context.Response.HasStarted && context.Response.ContentLength is null
            && context.Response.ContentType is null)
        {
            var message = context.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => "not found",
                StatusCodes.Status405MethodNotAllowed => $"method {context.Request.Method} is not allowed here",
                _ => ReasonPhrases.GetReasonPhrase(context.Response.StatusCode),
            };
            await ApiResults.WriteErrorAsync(context, context.Response.StatusCode, message);
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.Request(logger, context.Request.Method, Target(context), context.Response.StatusCode,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    // SQLITE_BUSY, with any extended code (such as SQLITE_BUSY_SNAPSHOT) in the high bits: another
    // connection holds the lock. (SQLITE_LOCKED is a conflict inside one connection, not this.)
    private static bool IsBusy(SqliteException ex) => (ex.SqliteErrorCode & 0xFF) == 5;

    private static string Target(HttpContext context) =>
        context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw ? raw : context.Request.Path.ToString();
}
