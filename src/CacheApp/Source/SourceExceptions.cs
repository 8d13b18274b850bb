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
