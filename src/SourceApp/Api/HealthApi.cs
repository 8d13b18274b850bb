using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using SourceApp.Options;
using SourceApp.Storage;

namespace SourceApp.Api;

/// <summary><c>GET /health</c>: 200 after a real read of the records table, 503 when it fails.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", CheckAsync);
        return endpoints;
    }

    private static async Task<JsonHttpResult<HealthBody>> CheckAsync(
        HttpContext context, IRecordStore store, SourceOptions options, ILoggerFactory loggers)
    {
        try
        {
            await store.PingAsync(context.RequestAborted);
            return TypedResults.Json(new HealthBody("ok", options.Name), SourceJson.Context.HealthBody);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.HealthFailed(loggers.CreateLogger(typeof(HealthApi).FullName!), ex);
            return TypedResults.Json(new HealthBody("unavailable", options.Name, "the database cannot be read"),
                SourceJson.Context.HealthBody, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
