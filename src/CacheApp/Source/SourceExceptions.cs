namespace CacheApp.Source;

/// <summary>The source failed or could not be reached: the API answers 502.</summary>
public sealed class SourceUnavailableException : Exception
{
    public SourceUnavailableException()
    {
    }

    public SourceUnavailableException(string message)
        : base(message)
    {
    }

    public SourceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The source did not answer within SOURCE_TIMEOUT: the API answers 504.</summary>
public sealed class SourceTimeoutException : Exception
{
    public SourceTimeoutException()
    {
    }

    public SourceTimeoutException(string message)
        : base(message)
    {
    }

    public SourceTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The source refused the key as malformed (its 400). An <see cref="ArgumentException"/>, so that the
/// peer protocol answers 400: a key the API would have refused can still arrive on the groupcache port.
/// </summary>
public sealed class SourceRejectedKeyException : ArgumentException
{
    public SourceRejectedKeyException()
    {
    }

    public SourceRejectedKeyException(string message)
        : base(message)
    {
    }

    public SourceRejectedKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
