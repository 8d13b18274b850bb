namespace Deploy.Tests;

/// <summary>
/// What a test pod reads for a Secret's key: a value of its own per (secret, key), so that two
/// variables holding the same string hold the same key, and the value names where it came from
/// (a literal in a manifest never looks like one).
/// </summary>
internal static class SecretStandIn
{
    private const string Prefix = "stand-in-for-secret:";

    public static string For(string secret, string key) => $"{Prefix}{secret}/{key}";

    /// <summary>The (secret, key) a stand-in value names; null for any other value (a literal, nothing).</summary>
    public static (string Secret, string Key)? Source(string? value)
    {
        if (value is null || !value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        string[] parts = value[Prefix.Length..].Split('/', 2);
        return (parts[0], parts[1]);
    }
}
