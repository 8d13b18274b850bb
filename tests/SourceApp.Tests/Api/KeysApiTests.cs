using System.Net;
using System.Text.Json;
using SourceApp.Storage;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.Api;

public sealed class KeysApiTests : ApiTestBase
{
    private async Task<(string[] Keys, string? Next)> PageAsync(string query)
    {
        var response = await _client.GetAsync("/api/keys" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await DataApiTests.ReadJsonAsync(response);
        var keys = json.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToArray();
        var next = json.GetProperty("next");
        return (keys, next.ValueKind == JsonValueKind.Null ? null : next.GetString());
    }

    private async Task PutManyAsync(IEnumerable<string> keys) =>
        await Task.WhenAll(keys.Select(k => _app.Store.PutAsync(k, "v")));

    [Fact]
    public async Task Keys_FreshDatabase_ListsTheSamplesInOrder()
    {
        var (keys, next) = await PageAsync("");

        Assert.Equal(SampleRecords.All.Select(r => r.Key).Order(StringComparer.Ordinal), keys);
        Assert.Null(next);
    }

    [Fact]
    public async Task Keys_25000Keys_PagingReturnsEachExactlyOnceInOrder()
    {
        var written = Enumerable.Range(0, 25_000).Select(i => $"key-{i * 7919 % 25_000:x5}-{(i % 3 == 0 ? "é" : "z")}").ToList();
        await PutManyAsync(written);
        var expected = written.Concat(SampleRecords.All.Select(r => r.Key)).ToList();
        expected.Sort(Keys.CompareUtf8);

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var (keys, next) = await PageAsync(cursor is null ? "?limit=999" : $"?limit=999&after={cursor}");
            Assert.True(keys.Length is > 0 and <= 999);
            seen.AddRange(keys);
            cursor = next;
            pages++;
            Assert.True(pages <= 30, "paging did not end");
        }
        while (cursor is not null);

        Assert.Equal(expected, seen);
        Assert.Equal((expected.Count + 998) / 999, pages);
    }

    [Fact]
    public async Task Keys_NoLimit_ReturnsAPageOf1000()
    {
        await PutManyAsync(Enumerable.Range(0, 1_001).Select(i => $"k{i:d5}"));

        var (keys, next) = await PageAsync("");

        Assert.Equal(1000, keys.Length);
        Assert.NotNull(next);
    }

    [Theory]
    [InlineData("50000")]
    [InlineData("99999999999")] // past int.MaxValue: still a number over 10000
    [InlineData("99999999999999999999999999")] // past long.MaxValue too
    public async Task Keys_LimitOver10000_GivesPagesOf10000(string limit)
    {
        await PutManyAsync(Enumerable.Range(0, 10_001).Select(i => $"k{i:d5}"));

        var (keys, next) = await PageAsync("?limit=" + limit);

        Assert.Equal(10_000, keys.Length);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task Keys_Prefix_ListsOnlyThosePagedToo()
    {
        await PutManyAsync(["user/1", "user/2", "user/3", "user0", "users", "usea", "ключ1", "ключ2", "клюя"]);

        var (page1, next1) = await PageAsync("?prefix=user%2F&limit=2");
        var (page2, next2) = await PageAsync($"?prefix=user%2F&limit=2&after={next1}");
        var (cyrillic, _) = await PageAsync("?prefix=" + Uri.EscapeDataString("ключ"));
        var (none, noneNext) = await PageAsync("?prefix=zzz");

        Assert.Equal(["user/1", "user/2"], page1);
        Assert.Equal(["user/3"], page2);
        Assert.Null(next2);
        Assert.Equal(["ключ1", "ключ2"], cyrillic);
        Assert.Empty(none);
        Assert.Null(noneNext);
    }

    [Fact]
    public async Task Keys_DotPrefixes_ListTheKeysThatStartWithThem()
    {
        // "." and ".." cannot be keys (URLs resolve them away), but keys may start with them.
        await PutManyAsync([".hidden", "..up", "a.b"]);

        var (dot, _) = await PageAsync("?prefix=.");
        var (dotDot, _) = await PageAsync("?prefix=..");

        Assert.Equal(["..up", ".hidden"], dot);
        Assert.Equal(["..up"], dotDot);
    }

    [Fact]
    public async Task Keys_CursorPastThePrefixRange_ReturnsAnEmptyLastPage()
    {
        await PutManyAsync(["p1", "p2", "q1"]);

        var (keys, next) = await PageAsync("?prefix=p&after=" + SourceApp.Api.KeysApi.EncodeCursor("pz"));

        Assert.Empty(keys);
        Assert.Null(next);
    }

    [Fact]
    public async Task Keys_CursorPastTheEnd_ReturnsAnEmptyLastPage()
    {
        var (keys, next) = await PageAsync("?after=" + SourceApp.Api.KeysApi.EncodeCursor("zzzz"));

        Assert.Empty(keys);
        Assert.Null(next);
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=-1")]
    [InlineData("?limit=abc")]
    [InlineData("?limit=")]
    [InlineData("?limit=1.5")]
    [InlineData("?limit=+5")]
    [InlineData("?limit=00")]
    [InlineData("?after=!!!")]
    [InlineData("?after=_w")]
    public async Task Keys_BadQuery_Returns400(string query)
    {
        await DataApiTests.AssertErrorAsync(await _client.GetAsync("/api/keys" + query), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Keys_PrefixOver250Bytes_Returns400()
    {
        var response = await _client.GetAsync("/api/keys?prefix=" + new string('p', 251));

        await DataApiTests.AssertErrorAsync(response, HttpStatusCode.BadRequest);
    }
}
