using System.Diagnostics;

namespace GroupCache.Diagnostics;

/// <summary>
/// The <c>GroupCache</c> activity source: a span for a load through the getter, one for a fetch
/// from the owner peer (client) and one for a peer's request served here (server). Spans start only
/// while a listener samples them; with none, the load path pays one check.
/// </summary>
public static class GroupCacheTracing
{
    /// <summary>The activity source's name, to hand to OpenTelemetry (<c>AddSource("GroupCache")</c>).</summary>
    public const string SourceName = "GroupCache";

    /// <summary>The span of a load through the group's getter.</summary>
    public const string LoadSpan = "groupcache.load";

    /// <summary>The client span of a fetch from the owner peer.</summary>
    public const string PeerGetSpan = "groupcache.peer.get";

    /// <summary>The server span of a peer's request served by this node.</summary>
    public const string PeerServeSpan = "groupcache.peer.serve";

    /// <summary>The W3C trace-context header that carries a trace from one node to the next.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>The activity source every span of the library starts from.</summary>
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

    /// <summary>Nobody waited for the load any more, and its token cancelled it: not a failure of the source or peer.</summary>
    public const string Abandoned = "abandoned";

    public static string Of(Exception ex) => ex is NotFoundException ? NotFound : Error;

    /// <summary>The outcome of a load or fetch that threw <paramref name="ex"/> under <paramref name="abandoned"/>, its load's token.</summary>
    public static string Of(Exception ex, CancellationToken abandoned) =>
        ex is OperationCanceledException && abandoned.IsCancellationRequested ? Abandoned : Of(ex);
}
