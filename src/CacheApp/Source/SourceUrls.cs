using ServiceCommon;

namespace CacheApp.Source;

/// <summary>
/// The source service's URLs, built in one place from <c>SOURCEAPP_SERVICE_URL</c> (which the
/// settings loader has already checked and stripped of a trailing slash).
/// </summary>
internal static class SourceUrls
{
    /// <summary><c>{source}/api/data/{key}</c>, the key escaped so that the source's <see cref="DataKey"/> decodes it back exactly.</summary>
    public static Uri Data(string sourceUrl, string key) => new(sourceUrl.TrimEnd('/') + DataKey.Prefix + Uri.EscapeDataString(key));

    /// <summary><c>{source}/health</c>.</summary>
    public static Uri Health(string sourceUrl) => new(sourceUrl.TrimEnd('/') + "/health");
}
