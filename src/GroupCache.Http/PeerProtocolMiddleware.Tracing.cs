using System.Diagnostics;
using GroupCache.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace GroupCache.Http;

internal sealed partial class PeerProtocolMiddleware
{
    /// <summary>Serves a peer's get inside a server span, taken only while a listener samples the <c>GroupCache</c> source.</summary>
    private async Task ServeTracedAsync(HttpContext context, Group group, string groupName, string key)
    {
        using var activity = StartServeSpan(context, groupName);
        await ServeGet(context, group, key).ConfigureAwait(false);
        if (activity is not null)
        {
            activity.SetTag("http.response.status_code", context.Response.StatusCode);
            if (context.Response.StatusCode >= StatusCodes.Status500InternalServerError)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
    }

    private static Activity? StartServeSpan(HttpContext context, string groupName)
    {
        // When ASP.NET Core traces the request too, its activity is current and already continues the
        // asker's trace; otherwise the asker's traceparent is read here, so that one trace crosses nodes.
        ActivityContext parent = default;
        if (Activity.Current is null)
        {
            var headers = context.Request.Headers;
            _ = ActivityContext.TryParse(headers[GroupCacheTracing.TraceParentHeader], headers["tracestate"], isRemote: true, out parent);
        }

        var activity = GroupCacheTracing.Source.StartActivity(GroupCacheTracing.PeerServeSpan, ActivityKind.Server, parent);
        activity?.SetTag("groupcache.group", groupName);
        return activity;
    }
}
