namespace CacheApp.Api;

/// <summary>
/// Checks a client's header that a node passes on to the source (the Authorization of a write). .NET's HTTP client sends header
/// values as ASCII and refuses anything else before a byte goes out, so a value outside printable
/// ASCII is the client's mistake, told as such, not a source failure.
/// </summary>
internal static class ForwardedHeader
{
    /// <summary>Null when <paramref name="value"/> may be passed on; otherwise the error for the client.</summary>
    public static string? Refusal(string name, string value)
    {
        foreach (char c in value)
        {
            if (c is not ((>= ' ' and <= '~') or '\t'))
            {
                return $"the {name} header may hold only printable ASCII";
            }
        }

        return null;
    }
}
