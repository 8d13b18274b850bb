using GroupCache.Http;

namespace SourceApp.Api;

/// <summary>
/// Checks <c>Authorization: Bearer T</c> on writes when a token is configured (<c>-token</c> or
/// SOURCEAPP_TOKEN). Without one, every write is allowed, as in the seed.
/// </summary>
public sealed class WriteToken
{
    private readonly SharedSecret? _token;

    public WriteToken(string? token)
    {
        // Trimmed as the presented token is below, so a token read with its trailing newline still matches.
        _token = SharedSecret.From(token?.Trim());
    }

    public bool IsRequired => _token is not null;

    public bool IsAuthorized(string? authorizationHeader)
    {
        if (_token is null)
        {
            return true;
        }

        const string scheme = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // The one constant-time comparison of secrets (hashes of both sides), as the cache nodes compare theirs.
        return _token.Matches(authorizationHeader[scheme.Length..].Trim());
    }
}
