using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Freshness;

/// <summary>
/// A write-through PUT passes the client's Authorization on to the source, and its body as JSON. A
/// Content-Type the source would refuse is refused by the node, and a token that cannot be passed
/// on is the client's mistake: neither is written, and neither makes the ring forget the key.
/// </summary>
public class ForwardedHeadersTests
{
    private const string Key = "forwarded/key";

    [Fact]
    public async Task Put_AuthorizationNotAscii_Is400AndNoMemberForgetsTheKey()
    {
        using var cluster = await StartWithCachedValueAsync();
        var counters = await CountersAsync(cluster);

        // Kestrel takes a UTF-8 header value; .NET's client sends only ASCII unless told otherwise.
        using var handler = new SocketsHttpHandler { UseProxy = false, RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Put, Freshness.DataUrl(cluster.Nodes[0].ApiUrl, Key))
        {
            Content = new StringContent(Freshness.ValueJson("v2"), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer é");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("Authorization", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(counters, await CountersAsync(cluster));
        Assert.Equal(["v1", "v1"], await cluster.AnswersAsync(Key));
    }

    [Fact]
    public async Task Put_ContentTypeTheSourceRefuses_Is415AndNothingIsWrittenOrForgotten()
    {
        using var cluster = await StartWithCachedValueAsync();
        var counters = await CountersAsync(cluster);

        using var request = new HttpRequestMessage(HttpMethod.Put, Freshness.DataUrl(cluster.Nodes[0].ApiUrl, Key))
        {
            Content = new StringContent(Freshness.ValueJson("v2"), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await TestHttp.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(counters, await CountersAsync(cluster));
        var (status, record, direct) = await Freshness.SendAsync(HttpMethod.Get, Freshness.DataUrl(cluster.SourceUrl, Key));
        direct.Dispose();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("v1", record.GetProperty("value").GetString());
    }

    /// <summary>Two nodes, the key written as "v1" through the first and read through both.</summary>
    private static async Task<FreshnessCluster> StartWithCachedValueAsync()
    {
        var cluster = await FreshnessCluster.StartAsync(2, notify: false);
        var (status, _, response) = await Freshness.SendAsync(HttpMethod.Put, Freshness.DataUrl(cluster.Nodes[0].ApiUrl, Key), Freshness.ValueJson("v1"));
        response.Dispose();
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)status}");
        await cluster.WarmAsync(Key);
        return cluster;
    }

    /// <summary>Every node's invalidations asked for and received.</summary>
    private static async Task<string> CountersAsync(FreshnessCluster cluster)
    {
        var parts = new List<string>();
        foreach (var node in cluster.Nodes)
        {
            parts.Add($"{await Freshness.CounterAsync(node, "invalidationsRequested")}/{await Freshness.CounterAsync(node, "invalidationsReceived")}");
        }

        return string.Join(' ', parts);
    }
}
