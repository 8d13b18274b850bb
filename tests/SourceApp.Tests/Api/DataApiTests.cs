using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Api;

public sealed class DataApiTests : ApiTestBase
{
    internal static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    internal static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        var json = await ReadJsonAsync(response);
        Assert.Equal(JsonValueKind.String, json.GetProperty("error").ValueKind);
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("error").GetString()));
        Assert.DoesNotContain("   at ", json.GetProperty("error").GetString()); // no stack trace
    }

    [Fact]
    public async Task Get_SeededApple_Returns200WithTheRecord()
    {
        var response = await _client.GetAsync("/api/data/apple");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await ReadJsonAsync(response);
        Assert.Equal("apple", json.GetProperty("key").GetString());
        Assert.Equal("A crisp red apple", json.GetProperty("value").GetString());
        Assert.True(DateTimeOffset.TryParse(json.GetProperty("updated_at").GetString(), out _));
        Assert.Equal(1, json.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Get_MissingKey_Returns404Json()
    {
        await AssertErrorAsync(await _client.GetAsync("/api/data/nothing-here"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_NewThenExisting_Returns201Then200WithTheRecord()
    {
        var created = await _client.PutAsync("/api/data/newkey", Keys.ValueBody("first"));
        var updated = await _client.PutAsync("/api/data/newkey", Keys.ValueBody("second"));
        var read = await _client.GetAsync("/api/data/newkey");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var createdJson = await ReadJsonAsync(created);
        Assert.Equal("newkey", createdJson.GetProperty("key").GetString());
        Assert.Equal("first", createdJson.GetProperty("value").GetString());
        Assert.Equal(1, createdJson.GetProperty("version").GetInt64());
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var updatedJson = await ReadJsonAsync(updated);
        Assert.Equal("second", updatedJson.GetProperty("value").GetString());
        Assert.Equal(2, updatedJson.GetProperty("version").GetInt64());
        Assert.Equal(updatedJson.ToString(), (await ReadJsonAsync(read)).ToString());
    }

    [Theory]
    [InlineData("a\u0000b")]
    [InlineData("\u0000")]
    [InlineData("ends in NUL\u0000")]
    public async Task Put_ValueWithNulCharacters_ReadBackWhole(string value)
    {
        // SQLite's C API ends text at a NUL when no length is given; a value must come back whole.
        var put = await _client.PutAsync("/api/data/nul", Keys.ValueBody(value));
        var read = await _client.GetAsync("/api/data/nul");

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(value, (await ReadJsonAsync(put)).GetProperty("value").GetString());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(value, (await ReadJsonAsync(read)).GetProperty("value").GetString());
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")] // what curl -d sends
    [InlineData("text/plain")]
    [InlineData(null)]
    [InlineData("application/json; charset=utf-8")]
    public async Task Put_SeedsCurlExampleContentTypes_AreAccepted(string? contentType)
    {
        var response = await _client.PutAsync("/api/data/newkey", Keys.Json("""{"value":"something new"}""", contentType));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("something new", (await _app.Store.GetAsync("newkey"))?.Value);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"value\":\"x\"")]
    [InlineData("{}")]
    [InlineData("{\"value\":null}")]
    [InlineData("{\"value\":42}")]
    [InlineData("{\"value\":[\"x\"]}")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task Put_BadBody_Returns400AndWritesNothing(string body)
    {
        var response = await _client.PutAsync("/api/data/k", Keys.Json(body));

        await AssertErrorAsync(response, HttpStatusCode.BadRequest);
        Assert.Null(await _app.Store.GetAsync("k"));
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("multipart/form-data")]
    [InlineData("application/octet-stream")]
    public async Task Put_NonJsonContentType_Returns415(string contentType)
    {
        var response = await _client.PutAsync("/api/data/k", Keys.Json("""{"value":"x"}""", contentType));

        await AssertErrorAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Put_BodyOverOneMebibyte_Returns413()
    {
        // Declared too long: the server answers 413 and closes before reading the body, so it goes
        // over a raw socket too (HttpClient, still sending, sometimes reported the broken pipe).
        var body = Encoding.UTF8.GetBytes("{\"value\":\"" + new string('x', 1024 * 1024) + "\"}");

        string answer = await RawHttp.PutAsync(_client.BaseAddress!, $"Content-Length: {body.Length}", [body]);

        RawHttp.Assert413(answer);
        Assert.Null(await _app.Store.GetAsync("big"));
    }

    [Fact]
    public async Task Put_BodyJustUnderOneMebibyte_IsStored()
    {
        var value = new string('x', 1024 * 1024 - 20);

        var response = await _client.PutAsync("/api/data/big", Keys.ValueBody(value));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(value, (await _app.Store.GetAsync("big"))?.Value);
    }

    [Fact]
    public async Task Put_ChunkedBodyOverTheLimit_Returns413()
    {
        // No Content-Length: the limit is enforced while reading, and the server answers 413 and
        // closes as soon as the limit is passed.
        var request = Encoding.UTF8.GetBytes("{\"value\":\"" + new string('x', 1024 * 1024 + 10) + "\"}");
        var pieces = new List<byte[]>();
        for (int offset = 0; offset < request.Length; offset += 64 * 1024)
        {
            int length = Math.Min(64 * 1024, request.Length - offset);
            pieces.Add(Encoding.ASCII.GetBytes($"{length:x}\r\n"));
            pieces.Add(request[offset..(offset + length)]);
            pieces.Add("\r\n"u8.ToArray());
        }

        pieces.Add("0\r\n\r\n"u8.ToArray());

        string answer = await RawHttp.PutAsync(_client.BaseAddress!, "Transfer-Encoding: chunked", pieces);

        RawHttp.Assert413(answer);
        Assert.Null(await _app.Store.GetAsync("big"));
    }

    [Fact]
    public async Task Delete_ExistingThenMissing_Returns204Then404()
    {
        var first = await _client.DeleteAsync("/api/data/apple");
        var second = await _client.DeleteAsync("/api/data/apple");

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Empty(await first.Content.ReadAsByteArrayAsync());
        await AssertErrorAsync(second, HttpStatusCode.NotFound);
        await AssertErrorAsync(await _client.GetAsync("/api/data/apple"), HttpStatusCode.NotFound);
    }

    public static TheoryData<string> OddKeys() =>
    [
        "with space", "a/b", "/leading", "trailing/", "a//b", "100%", "%2F", "a+b", "+", "what?", "#hash", "a&b=c",
        "ключ", "日本語のキー", "emoji 😀 key", "tab\tnew\nline", "quote\"back\\slash", "..%2F", "a.b", "~tilde",
        "\u00e9 vs e\u0301", "\U0010FFFF", new string('k', 250), string.Concat(Enumerable.Repeat("€", 83)),
    ];

    [Theory]
    [MemberData(nameof(OddKeys))]
    public async Task OddKey_PutGetListDelete_RoundTripsExactly(string key)
    {
        var put = await _client.PutAsync(Keys.DataPath(key), Keys.ValueBody("v:" + key));
        var get = await _client.GetAsync(Keys.DataPath(key));
        var list = await _client.GetFromJsonAsync<JsonElement>("/api/keys?limit=10000");
        var delete = await _client.DeleteAsync(Keys.DataPath(key));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(key, (await ReadJsonAsync(put)).GetProperty("key").GetString());
        var got = await ReadJsonAsync(get);
        Assert.Equal(key, got.GetProperty("key").GetString());
        Assert.Equal("v:" + key, got.GetProperty("value").GetString());
        Assert.Contains(key, list.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Null(await _app.Store.GetAsync(key));
    }

    [Fact]
    public async Task Keys_EncodedSlashAndLiteralSlash_AreTheSameKey()
    {
        await _client.PutAsync("/api/data/a%2Fb", Keys.ValueBody("v"));

        var response = await _client.GetAsync("/api/data/a/b");

        Assert.Equal("a/b", (await ReadJsonAsync(response)).GetProperty("key").GetString());
    }

    [Theory]
    [InlineData("/api/data/")]
    [InlineData("/api/data")]
    [InlineData("/api/data/%FF")]
    [InlineData("/api/data/%C3%28")]
    public async Task BadKey_EveryMethod_Returns400(string path)
    {
        await AssertErrorAsync(await _client.GetAsync(path), HttpStatusCode.BadRequest);
        await AssertErrorAsync(await _client.PutAsync(path, Keys.ValueBody("v")), HttpStatusCode.BadRequest);
        await AssertErrorAsync(await _client.DeleteAsync(path), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/api/data/%00")]
    [InlineData("/api/data/nul%00inside")]
    public async Task KeyWithNul_IsRefusedWith400(string path)
    {
        // Kestrel refuses a decoded U+0000 in a path itself, before the service sees the request, so
        // such keys cannot be addressed (documented); a JSON body cannot be promised for this one.
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PutAsync(path, Keys.ValueBody("v"))).StatusCode);
    }

    [Fact]
    public async Task LongKey_251Bytes_Returns400()
    {
        var path = Keys.DataPath(new string('k', 251));

        await AssertErrorAsync(await _client.GetAsync(path), HttpStatusCode.BadRequest);
        await AssertErrorAsync(await _client.PutAsync(path, Keys.ValueBody("v")), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("POST", "/api/data/apple")]
    [InlineData("PATCH", "/api/data/apple")]
    [InlineData("POST", "/api/keys")]
    [InlineData("DELETE", "/api/keys")]
    [InlineData("PUT", "/health")]
    public async Task WrongMethod_Returns405Json(string method, string path)
    {
        var response = await _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await AssertErrorAsync(response, HttpStatusCode.MethodNotAllowed);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api")]
    [InlineData("/api/nope")]
    [InlineData("/healthz")]
    public async Task UnknownPath_Returns404Json(string path)
    {
        await AssertErrorAsync(await _client.GetAsync(path), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Json_NonAsciiValue_IsWrittenAsUtf8()
    {
        await _client.PutAsync("/api/data/k", Keys.ValueBody("ключ € 😀"));

        var response = await _client.GetAsync("/api/data/k");
        var text = await response.Content.ReadAsStringAsync();

        // BMP text is written as is; characters above U+FFFF may be \u-escaped (still exact JSON).
        Assert.Contains("\"value\":\"ключ € ", text);
        Assert.Equal("ключ € 😀", JsonDocument.Parse(text).RootElement.GetProperty("value").GetString());
    }
}
