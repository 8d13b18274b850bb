namespace GroupCache.Http.Tests.Support;

/// <summary>Sends requests with the path exactly as written, as a Go client or a hand-made request would.</summary>
internal static class RawHttp
{
    private static readonly UriCreationOptions Verbatim = new() { DangerousDisablePathAndQueryCanonicalization = true };

    public static HttpClient NewClient() => new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public static HttpRequestMessage Request(HttpMethod method, string baseUrl, string rawPath) =>
        new(method, new Uri(baseUrl + rawPath, in Verbatim));
}
