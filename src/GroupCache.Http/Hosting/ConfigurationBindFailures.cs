namespace GroupCache.Http;

/// <summary>
/// What the generated configuration binder could not convert (a TTL of "soon", a byte count of
/// "64MB"). The binder throws on the first such value; it is kept here so that the validator reports
/// it with the others, by its path and with what is allowed, instead of the host failing on a bare
/// conversion error.
/// </summary>
internal sealed class ConfigurationBindFailures
{
    private readonly List<string> _messages = [];

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public void Add(string message)
    {
        lock (_messages)
        {
            _messages.Add(message);
        }
    }
}
