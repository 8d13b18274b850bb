using System.Net.Http.Headers;
using System.Text.Json;
using CacheApp.Api;
using CacheApp.Configuration;
using GroupCache.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace CacheApp.Cluster;

/// <summary>
/// POST /api/cluster/{verb}, SWIM's messages over HTTP: join (a new node announces itself; the
/// answer is a page of this node's table), gossip (piggy-backed changes), leave (the sender marked
/// "left"), ping (answered by an ack), ping-req (ping a target for the sender), ack (a relayed
/// probe's answer) and sync (push-pull: a page of tables each way). Every body is the same JSON
/// message, checked by <see cref="ClusterMessageValidator"/> before it touches the table.
/// </summary>
internal static class ClusterEndpoints
{
    private const long MaxBodyBytes = ClusterClient.MaxAnswerBytes;

    /// <summary>Every membership endpoint's last path segment.</summary>
    public static readonly string[] Verbs = ["join", "gossip", "leave", "ping", "ping-req", "ack", "sync"];

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var type)
        && string.Equals(type.MediaType, "application/json", StringComparison.OrdinalIgnoreCase);

    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app)
    {
        foreach (string verb in Verbs)
        {
            app.MapPost($"/api/cluster/{verb}", (HttpContext ctx, ClusterSecretCheck secret, [FromServices] MembershipService? membership) =>
                HandleAsync(verb, ctx, secret, membership));
        }

        return app;
    }

    // Membership is registered only when discovery is on: without it the parameter is null
    // ([FromServices], or a missing service would be taken for a body).
    private static async Task HandleAsync(string verb, HttpContext ctx, ClusterSecretCheck secret, MembershipService? membership)
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

        if (!IsJson(ctx.Request.ContentType))
        {
            // A browser sends a cross-site POST without asking first only as text/plain, a form or
            // multipart: requiring JSON keeps any web page a developer opens from posting a forged
            // member to a node on 127.0.0.1 (without a secret, as a local cluster usually runs).
            await JsonResponses.WriteErrorAsync(ctx.Response, StatusCodes.Status415UnsupportedMediaType, "a cluster message must be sent with Content-Type: application/json");
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
            // Read whole (the size is bounded above) so that the bytes received can be counted.
            using var buffer = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
            membership.Stats.Received(buffer.Length);
            message = JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), CacheAppJsonContext.Default.ClusterMessage);
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

        var answer = membership.Receive(verb, normalized);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(answer, CacheAppJsonContext.Default.ClusterMessage);
        membership.Stats.Sent(body.Length);
        ctx.Response.ContentType = "application/json; charset=utf-8";
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }
}
