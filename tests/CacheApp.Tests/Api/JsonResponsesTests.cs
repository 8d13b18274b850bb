using System.Text;
using System.Text.Json;
using CacheApp.Api;
using GroupCache;
using Microsoft.AspNetCore.Http;

namespace CacheApp.Tests.Api;

/// <summary>The data API's value bodies, written into a real response pipe and read back as JSON.</summary>
public class JsonResponsesTests
{
    private static async Task<byte[]> WriteAsync(string key, byte[] value)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;

        JsonResponses.WriteValue(context.Response, key, new ByteView(value));
        await context.Response.BodyWriter.CompleteAsync();

        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        return body.ToArray();
    }

    private static string ValueOf(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("value").GetString()!;
    }

    [Theory]
    [InlineData(100)]
    [InlineData(3000)]
    [InlineData(64 * 1024)]
    [InlineData((64 * 1024) + 1)]
    [InlineData(300_000)]
    public async Task WriteValue_TextNeedingEscapes_CutAcrossSegments_ReadsBackExactly(int length)
    {
        // Quotes, backslashes, control bytes and multi-byte characters (two, three and four bytes),
        // so that some character straddles every 64 KiB boundary.
        string unit = "a\"b\\c\u0001é€😀\n";
        var text = new StringBuilder();
        while (Encoding.UTF8.GetByteCount(text.ToString()) < length)
        {
            text.Append(unit);
        }

        byte[] value = Encoding.UTF8.GetBytes(text.ToString());

        Assert.Equal(text.ToString(), ValueOf(await WriteAsync("k", value)));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(200_000)]
    public async Task WriteValue_BytesThatAreNotUtf8_ReadBackWithReplacementCharacters(int length)
    {
        var value = new byte[length];
        for (int i = 0; i < length; i++)
        {
            // ASCII with a stray continuation byte and a cut-off three-byte sequence now and then,
            // some of them across a segment boundary.
            value[i] = (i % 997) switch { 0 => 0x80, 1 => 0xE2, 2 => 0x82, _ => (byte)('a' + (i % 26)) };
        }

        Assert.Equal(Encoding.UTF8.GetString(value), ValueOf(await WriteAsync("k", value)));
    }

    [Fact]
    public async Task WriteValue_LongerThanTheWritersLimitForOneToken_IsWrittenWhole()
    {
        // Escaped in one piece, more than 166,666,666 bytes threw (an empty 500 on every read).
        var value = new byte[170_000_000];
        value.AsSpan().Fill((byte)'x');
        value[^1] = (byte)'"';

        byte[] json = await WriteAsync("big", value);

        byte[] head = Encoding.UTF8.GetBytes("{\"key\":\"big\",\"value\":\"xxx");
        byte[] tail = Encoding.UTF8.GetBytes("xx\\\"\"}");
        Assert.Equal(head, json[..head.Length]);
        Assert.Equal(tail, json[^tail.Length..]);
        Assert.Equal(value.Length + "{\"key\":\"big\",\"value\":\"\"}".Length + 1, json.Length);
    }
}
