namespace CacheApp.Configuration;

/// <summary>One or more settings are invalid; the message names each variable and what is wrong.</summary>
public sealed class SettingsException : Exception
{
    public SettingsException()
    {
    }

    public SettingsException(string message)
        : base(message)
    {
    }

    public SettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
