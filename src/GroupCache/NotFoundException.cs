namespace GroupCache;

/// <summary>
/// The source has no value for the key. Unlike any other exception from a load, this one is an
/// answer, not a failure: services map it to 404, and a peer that reports it is believed (the key
/// is not loaded again locally).
/// </summary>
public sealed class NotFoundException : Exception
{
    public NotFoundException()
        : base("not found")
    {
    }

    public NotFoundException(string message)
        : base(message)
    {
    }

    public NotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
