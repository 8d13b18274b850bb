namespace GroupCache.Http;

/// <summary>
/// A peer source whose discovery can leave this node out for a while (DNS records, a Service's
/// ready endpoints: a pod turned not-ready for a moment) although the node keeps itself on its own
/// ring. Meanwhile the other nodes' rings lack it, so invalidations made through them do not reach
/// it; when discovery lists it again, what it cached before may be stale.
/// </summary>
public interface ISelfRelistingSource
{
    /// <summary>
    /// Raised when an answer lists this node again after one that did not (and an earlier one had
    /// listed it): once per return, on the source's own loop, before the source yields that answer's
    /// peer set. A handler should be quick; an exception from it is logged and does not stop the source.
    /// </summary>
    event EventHandler? SelfRelisted;
}
