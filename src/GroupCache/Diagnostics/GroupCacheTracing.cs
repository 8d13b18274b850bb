using System.Diagnostics;

namespace GroupCache.Diagnostics;

/// <summary>
/// The <c>GroupCache</c> activity source: a span for a load through the getter, one for a fetch
/// from the owner peer (client) and one for a peer's request served here (server). Spans start only
/// while a listener samples them; with none, the load path pays one check.
/// </summary>
public static class GroupCacheTracing
{
    public const string SourceName = "GroupCache";

    public const string LoadSpan = "groupcache.load";
    public const string PeerGetSpan = "groupcache.peer.get";
    public const string PeerServeSpan = "groupcache.peer.serve";

    /// <summary>The W3C trace-context header that carries a trace from one node to the next.</summary>
    public const string TraceParentHeader = "traceparent";

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>
    /// The <c>traceparent</c> value for an outgoing peer request: the current activity's id when one
    /// runs in W3C format, else null (nobody traces, and nothing is sent).
    /// </summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;

    /// <summary>Marks a span with the outcome the histograms use, and an error status when it failed.</summary>
    internal static void SetOutcome(Activity? activity, string outcome)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("outcome", outcome);
        if (outcome == Outcome.Error)
        {
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }
}

/// <summary>The <c>outcome</c> tag's values.</summary>
internal static class Outcome
{
    public const string Ok = "ok";
    public const string NotFound = "not_found";
    public const string Error = "error";

    public static string Of(Exception ex) => ex is NotFoundException ? NotFound : Error;
}
