using System.Net;
using System.Net.Http.Headers;
using CacheApp.Tests.Support;

namespace CacheApp.Tests.Freshness;

/// <summary>A source started with -token: a node passes the client's Authorization header on, and the source's 401 back.</summary>
public class WriteTokenTests
{
    [Fact]
    public async Task Put_ThroughANode_ForwardsTheBearerTokenAndPassesOnThe401()
    {
        using var cluster = await FreshnessCluster.StartAsync(2, notify: false, sourceArgs: ["-token", "s3cret"]);
        var node = cluster.Nodes[0];
        const string key = "token/key";
        string url = Freshness.DataUrl(node.ApiUrl, key);

        var (refused, error, r1) = await Freshness.SendAsync(HttpMethod.Put, url, Freshness.ValueJson("v1"));
        r1.Dispose();
        Assert.Equal(HttpStatusCode.Unauthorized, refused);
        Assert.False(string.IsNullOrEmpty(error.GetProperty("error").GetString()));
        Assert.Equal(["404", "404"], await cluster.AnswersAsync(key));

        foreach (string value in new[] { "v1", "v2" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(url))
            {
                Content = new StringContent(Freshness.ValueJson(value), System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
            using var response = await TestHttp.Client.SendAsync(request);

            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal([value, value], await cluster.AnswersAsync(key));
        }
    }
}
