using System.Security.Cryptography;
using System.Text;

namespace SourceApp.Api;

/// <summary>
/// Checks <c>Authorization: Bearer T</c> on writes when a token is configured (<c>-token</c> or
/// SOURCEAPP_TOKEN). Without one, every write is allowed, as in the seed.
/// </summary>
public sealed class WriteToken
{
    private readonly byte[]? _expectedHash;

    public WriteToken(string? token)
    {
        _expectedHash = string.IsNullOrEmpty(token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    public bool IsRequired => _expectedHash is not null;

    public bool IsAuthorized(string? authorizationHeader)
    {
        if (_expectedHash is null)
            return true;
        const string scheme = "Bearer ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;

        // Compare hashes, not the tokens: FixedTimeEquals is constant-time only for equal lengths, and
        // hashing first keeps the token's length from showing in the timing too.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(authorizationHeader[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _expectedHash);
    }
}
