namespace GroupCache;

/// <summary>
/// The source has no value for the key. Unlike any other exception from a load, this one is an
/// answer, not a failure: services map it to 404, and a peer that reports it is believed (the key
/// is not loaded again locally).
/// </summary>
public sealed class NotFoundException : Exception
{
    /// <summary>An exception with the message "not found".</summary>
    public NotFoundException()
        : base("not found")
    {
    }

    /// <summary>An exception with <paramref name="message"/>.</summary>
    public NotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>An exception with <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public NotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
