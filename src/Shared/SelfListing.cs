namespace GroupCache.Http;

/// <summary>
/// The rule for <see cref="ISelfRelistingSource.SelfRelisted"/>, in one place for every source that
/// raises it (compiled into GroupCache.Dns and GroupCache.Kubernetes): listed, then not listed, then
/// listed again is one return. The first listing (at start, with an empty cache) is not, and neither
/// is an answer that never came (a failed lookup or list keeps the last state).
/// </summary>
internal sealed class SelfListing
{
    private readonly Lock _gate = new();
    private bool _listedBefore;
    private bool _missedSince;

    /// <summary>Takes one answer's verdict; true when it is a return (listed again after a miss).</summary>
    public bool Observe(bool listed)
    {
        lock (_gate)
        {
            if (!listed)
            {
                _missedSince |= _listedBefore;
                return false;
            }

            bool returned = _missedSince;
            _listedBefore = true;
            _missedSince = false;
            return returned;
        }
    }

    /// <summary>
    /// Raises <paramref name="handler"/> for <paramref name="sender"/>; returns the exception one of
    /// its handlers threw (the caller logs it), so that a handler cannot stop the source.
    /// </summary>
    public static Exception? Raise(EventHandler? handler, object sender)
    {
        try
        {
            handler?.Invoke(sender, EventArgs.Empty);
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
