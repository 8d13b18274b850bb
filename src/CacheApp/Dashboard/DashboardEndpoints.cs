using CacheApp.Api;
using CacheApp.Cluster;
using CacheApp.Discovery;
using GroupCache.Http;
using Microsoft.AspNetCore.Mvc;
using ServiceCommon;

namespace CacheApp.Dashboard;

/// <summary>GET /dashboard (page, script, style), GET /api/admin/cluster and GET /api/admin/owner?key=.</summary>
internal static class DashboardEndpoints
{
    // Everything the page needs comes from this node: no other origin, no inline script or style,
    // no plugins, no framing. The page builds its DOM with textContent and SVG elements only.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IServiceCollection AddDashboard(this IServiceCollection services, Configuration.CacheAppSettings settings)
    {
        // A member that needs longer than this to say how it is shows as unreachable for that second.
        services.AddSingleton(_ => new MemberStatusClient(settings.ClusterSecret, TimeSpan.FromMilliseconds(1500), settings.OutgoingBindAddress));
        services.AddSingleton<ClusterView>();
        return services;
    }

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dashboard", (HttpContext ctx) => Asset(ctx, "dashboard.html", "text/html; charset=utf-8"));
        app.MapGet("/dashboard/dashboard.js", (HttpContext ctx) => Asset(ctx, "dashboard.js", "text/javascript; charset=utf-8"));
        app.MapGet("/dashboard/dashboard.css", (HttpContext ctx) => Asset(ctx, "dashboard.css", "text/css; charset=utf-8"));
        app.MapGet("/dashboard/favicon.svg", (HttpContext ctx) => Asset(ctx, "favicon.svg", "image/svg+xml"));
        app.MapGet("/api/admin/cluster", async (ClusterView view) =>
            TypedResults.Json(await view.GetAsync(), DashboardJsonContext.Default.ClusterResponse));
        app.MapGet("/api/admin/owner", Owner);
        return app;
    }

    private static IResult Owner(HttpContext ctx, NodeInfo node, HttpPool pool, [FromServices] MemberTable? table)
    {
        var values = ctx.Request.Query["key"];
        string? key = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrEmpty(key) || !DataKey.IsValidText(key))
        {
            return TypedResults.Json(
                new ErrorResponse($"give exactly one key=, 1 to {DataKey.MaxBytes} bytes of UTF-8"),
                DashboardJsonContext.Default.ErrorResponse,
                statusCode: StatusCodes.Status400BadRequest);
        }

        string? owner = pool.OwnerOf(key);
        var settings = node.Settings;
        bool isSelf = owner == settings.SelfGroupCacheAddr;
        string? ownerApi = isSelf
            ? settings.SelfApiAddr
            : table is null
                ? DiscoveredApiAddress.Of(settings, owner)
                : table.View().FirstOrDefault(m => m.GroupCacheAddr == owner)?.ApiAddr;
        return TypedResults.Json(new OwnerResponse(key, owner, ownerApi, isSelf), DashboardJsonContext.Default.OwnerResponse);
    }

    private static IResult Asset(HttpContext ctx, string name, string contentType)
    {
        var headers = ctx.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return TypedResults.Bytes(DashboardAssets.Get(name), contentType);
    }
}
