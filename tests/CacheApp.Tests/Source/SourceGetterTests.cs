using System.Net;
using System.Text;
using CacheApp.Source;
using GroupCache;

namespace CacheApp.Tests.Source;

public class SourceGetterTests
{
    /// <summary>Answers every request with a function of it, and remembers the URLs asked for.</summary>
    private sealed class FakeSource(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request.RequestUri!.AbsoluteUri);
            return answer(request, cancellationToken);
        }
    }

    private static FakeSource Answering(HttpStatusCode status, string body) =>
        new((_, _) => Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") }));

    private static SourceGetter Getter(HttpMessageHandler handler, TimeSpan? timeout = null) =>
        new(new HttpClient(handler), "http://127.0.0.1:8086/", timeout ?? TimeSpan.FromSeconds(5));

    [Fact]
    public async Task GetAsync_Record_ReturnsOnlyTheValueBytes()
    {
        var source = Answering(HttpStatusCode.OK, """{"key":"k","value":"caf\u00e9 \"x\"","updated_at":"2026-01-01T00:00:00Z"}""");

        var value = await Getter(source).GetAsync("k", CancellationToken.None);

        Assert.Equal("café \"x\"", value.ToString());
    }

    [Fact]
    public async Task GetAsync_OddKey_IsPercentEncodedInTheUrl()
    {
        var source = Answering(HttpStatusCode.OK, """{"value":"v"}""");

        await Getter(source).GetAsync("a/b c+ü?", CancellationToken.None);

        Assert.Equal("http://127.0.0.1:8086/api/data/a%2Fb%20c%2B%C3%BC%3F", Assert.Single(source.Requests));
    }

    [Fact]
    public async Task GetAsync_Source404_ThrowsNotFound()
    {
        var source = Answering(HttpStatusCode.NotFound, """{"error":"key not found"}""");

        await Assert.ThrowsAsync<NotFoundException>(async () => await Getter(source).GetAsync("k", CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_Source400_ThrowsSourceRejectedKeyWhichIsAnArgumentException()
    {
        var source = Answering(HttpStatusCode.BadRequest, """{"error":"key is longer than 250 bytes"}""");

        var ex = await Assert.ThrowsAsync<SourceRejectedKeyException>(async () => await Getter(source).GetAsync(new string('k', 251), CancellationToken.None));

        Assert.IsAssignableFrom<ArgumentException>(ex);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, """{"error":"boom"}""")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "")]
    [InlineData(HttpStatusCode.OK, "not json")]
    [InlineData(HttpStatusCode.OK, """{"key":"k"}""")]
    [InlineData(HttpStatusCode.OK, """{"value":42}""")]
    public async Task GetAsync_BadAnswer_ThrowsSourceUnavailable(HttpStatusCode status, string body)
    {
        var source = Answering(status, body);

        await Assert.ThrowsAsync<SourceUnavailableException>(async () => await Getter(source).GetAsync("k", CancellationToken.None));
    }

    [Fact]
    public async Task GetAsync_Unreachable_ThrowsSourceUnavailableNamingTheErrorKindNotTheAddress()
    {
        var source = new FakeSource((_, _) => throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:8086)"));

        var ex = await Assert.ThrowsAsync<SourceUnavailableException>(async () => await Getter(source).GetAsync("k", CancellationToken.None));
        Assert.Equal("source unreachable (ConnectionError)", ex.Message);
        Assert.Contains("127.0.0.1:8086", ex.InnerException!.Message);
    }

    [Fact]
    public async Task GetAsync_SlowerThanTheTimeout_ThrowsSourceTimeout()
    {
        var source = new FakeSource(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });

        await Assert.ThrowsAsync<SourceTimeoutException>(async () =>
            await Getter(source, TimeSpan.FromMilliseconds(50)).GetAsync("k", CancellationToken.None));
    }
}
