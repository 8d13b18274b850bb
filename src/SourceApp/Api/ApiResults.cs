using Microsoft.AspNetCore.Http.HttpResults;

namespace SourceApp.Api;

/// <summary>JSON answers shared by the endpoints.</summary>
internal static class ApiResults
{
    public static JsonHttpResult<ErrorBody> Error(int statusCode, string message) =>
        TypedResults.Json(new ErrorBody(message), SourceJson.Context.ErrorBody, statusCode: statusCode);

    public static Task WriteErrorAsync(HttpContext context, int statusCode, string message)
    {
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(new ErrorBody(message), SourceJson.Context.ErrorBody, contentType: null, context.RequestAborted);
    }
}
