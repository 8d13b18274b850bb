using System.Text.Json;
using CacheApp.Api;
using CacheApp.Configuration;
using GroupCache.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace CacheApp.Cluster;

/// <summary>
/// POST /api/cluster/join, /gossip and /leave: each takes the sender's member table and answers
/// with this node's. Join is where a new node announces itself; leave carries the sender marked "left".
/// </summary>
internal static class ClusterEndpoints
{
    private const long MaxBodyBytes = 1 << 20;

    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        foreach (string verb in new[] { "join", "gossip", "leave" })
        {
            app.MapPost($"/api/cluster/{verb}", HandleAsync);
        }

        return app;
    }

    // Membership is registered only when discovery is on: without it the parameter is null
    // ([FromServices], or a missing service would be taken for a body).
    private static async Task HandleAsync(HttpContext ctx, ClusterSecretCheck secret, [FromServices] MembershipService? membership)
    {
        if (membership is null)
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status409Conflict, "discovery is off on this node: its ring is fixed by GROUPCACHE_PEERS");
            return;
        }

        if (!secret.Allows(ctx.Request))
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status401Unauthorized, ClusterSecretCheck.Refusal);
            return;
        }

        if (ctx.Request.ContentLength > MaxBodyBytes)
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status413PayloadTooLarge, $"a cluster message is at most {MaxBodyBytes} bytes");
            return;
        }

        if (ctx.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        ClusterMessage? message;
        try
        {
            message = await ctx.Request.ReadFromJsonAsync(CacheAppJsonContext.Default.ClusterMessage, ctx.RequestAborted);
        }
        catch (JsonException ex)
        {
            // Not ex.Message: it names .NET types ("could not be converted to CacheApp.Cluster...").
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, $"the body must be a JSON cluster message; it is not, at {ex.Path ?? "$"} (line {ex.LineNumber}, byte {ex.BytePositionInLine})");
            return;
        }
        catch (BadHttpRequestException ex)
        {
            // A body cut short (400) or, without a Content-Length, longer than the limit (413).
            await JsonResponses.WriteErrorAsync(ctx.Response, ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? $"a cluster message is at most {MaxBodyBytes} bytes" : "the body must be a JSON cluster message");
            return;
        }
        catch (InvalidOperationException)
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, "the body must be a JSON cluster message");
            return;
        }

        if (!ClusterMessageValidator.TryNormalize(message, out var normalized, out string? error))
        {
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status400BadRequest, error);
            return;
        }

        var answer = membership.Receive(normalized);
        await ctx.Response.WriteAsJsonAsync(answer, CacheAppJsonContext.Default.ClusterMessage, contentType: null, ctx.RequestAborted);
    }
}
