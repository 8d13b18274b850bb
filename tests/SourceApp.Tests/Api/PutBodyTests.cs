using System.Text;
using Microsoft.AspNetCore.Http;
using SourceApp.Api;

namespace SourceApp.Tests.Api;

public class PutBodyTests
{
    [Theory]
    [InlineData("""{"value":"something new"}""", "something new")]
    [InlineData("""  {"value" : "", "other": [1, {"a": 2}], "n": null}  """, "")]
    [InlineData("""{"ignored":{"value":1},"value":"x"}""", "x")]
    [InlineData("""{"value":"\u00e9\n\"q\" \ud83d\ude00"}""", "é\n\"q\" 😀")]
    public void Parse_ValidBody_ReturnsTheValue(string body, string expected)
    {
        var result = PutBody.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Null(result.Error);
        Assert.Equal(expected, result.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("""{"value":"x" """)]
    [InlineData("""{"value":"x"}}""")]
    [InlineData("""{"value":"x"} {}""")]
    [InlineData("""{"value":"x",}""")]
    [InlineData("""{'value':'x'}""")]
    [InlineData("""value=x""")]
    [InlineData("""[{"value":"x"}]""")]
    [InlineData("\"x\"")]
    [InlineData("{}")]
    [InlineData("""{"Value":"x"}""")]
    [InlineData("""{"value":null}""")]
    [InlineData("""{"value":1}""")]
    [InlineData("""{"value":true}""")]
    [InlineData("""{"value":["x"]}""")]
    [InlineData("""{"value":{"x":1}}""")]
    [InlineData("""{"value":"\ud800"}""")]
    [InlineData("""{"value":"x" /* c */}""")]
    public void Parse_BadBody_Is400(string body)
    {
        var result = PutBody.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Null(result.Value);
        Assert.Equal(400, result.StatusCode);
        Assert.False(string.IsNullOrEmpty(result.Error));
    }

    [Fact]
    public void Parse_InvalidUtf8InString_Is400()
    {
        byte[] body = [.. "{\"value\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        var result = PutBody.Parse(body);

        Assert.Equal(400, result.StatusCode);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(3_000_000_000L)]
    [InlineData(long.MaxValue)]
    public async Task ReadAsync_LimitPastAnyArray_IsHeldTo256MiB(long declared)
    {
        // A limit the parser would refuse, as a caller that builds SourceOptions itself could set it:
        // the declared length must neither overflow the buffer arithmetic (a 500) nor pass as in bounds.
        var request = Request("""{"value":"x"}""", declared);

        var result = await PutBody.ReadAsync(request, maxBytes: long.MaxValue, CancellationToken.None);

        Assert.Equal(StatusCodes.Status413PayloadTooLarge, result.StatusCode);
        Assert.Equal("the body is larger than 268435456 bytes", result.Error);
    }

    [Fact]
    public async Task ReadAsync_DeclaredLength_SizesTheFirstBufferOnlyUpTo64KiB()
    {
        // A client that declares 200 MB and sends a few bytes must not make the server hold 200 MB.
        // The body is in memory, so the whole read runs on this thread and its allocations count here.
        var request = Request("""{"value":"x"}""", 200_000_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = await PutBody.ReadAsync(request, maxBytes: 256 * 1024 * 1024, CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("x", result.Value);
        Assert.True(allocated < 1024 * 1024, $"allocated {allocated} bytes for a 13-byte body");
    }

    private static HttpRequest Request(string body, long declaredLength)
    {
        var context = new DefaultHttpContext();
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = declaredLength;
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        return context.Request;
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("application/json", true)]
    [InlineData("application/json; charset=utf-8", true)]
    [InlineData("APPLICATION/JSON", true)]
    [InlineData("text/json", true)]
    [InlineData("application/merge-patch+json", true)]
    [InlineData("application/x-www-form-urlencoded", true)]
    [InlineData("text/plain; charset=utf-8", true)]
    [InlineData("application/xml", false)]
    [InlineData("multipart/form-data; boundary=x", false)]
    [InlineData("application/octet-stream", false)]
    [InlineData("text/html", false)]
    [InlineData("not a media type", false)]
    public void JsonBodyType_IsAccepted_Checks(string? contentType, bool accepted)
    {
        Assert.Equal(accepted, ServiceCommon.JsonBodyType.IsAccepted(contentType));
    }
}
