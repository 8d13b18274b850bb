using System.Text;
using System.Text.Json;

namespace GroupCache.Http.Tests;

public class PeerPathTests
{
    public static TheoryData<string> OddKeys() =>
    [
        "", " ", "+", "a b", "x+y", "a+b c", "a/b/c", "/", "//", "100%", "%", "%2F", "%zz", "q?x=1&y=2", "#frag",
        ".", "..", "../x", "a/../b", "./", "中文键", "ключ", "emoji-😀", "tab\there", "nl\nhere", "~!@$^*()_-=[]{};:'\",.<>|\\`",
        "plain-key_1.2~3",
    ];

    [Theory]
    [InlineData("a b", "a%20b")]
    [InlineData("x+y", "x%2By")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("100%", "100%25")]
    [InlineData("q?x#y", "q%3Fx%23y")]
    [InlineData("中", "%E4%B8%AD")]
    [InlineData("AZaz09-._~", "AZaz09-._~")]
    [InlineData("", "")]
    public void Escape_Text_EscapesAllButUnreservedBytes(string text, string expected) =>
        Assert.Equal(expected, PeerPath.Escape(text));

    [Theory]
    [MemberData(nameof(OddKeys))]
    public void TryUnescape_OfEscape_ReturnsTheKey(string key)
    {
        Assert.True(PeerPath.TryUnescape(PeerPath.Escape(key), out string decoded));
        Assert.Equal(key, decoded);
    }

    [Theory]
    [MemberData(nameof(OddKeys))]
    public void Escape_DecodedAsGoServerDecodesPaths_ReturnsTheKey(string key)
    {
        // A Go server reads the key from the unescaped path: %XX is a byte and '+' stays '+'.
        Assert.Equal(key, GoPathUnescape(PeerPath.Escape(key)));
    }

    [Fact]
    public void TrySplit_EveryGoClientPathVector_ReturnsGroupAndKey()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "vectors", "go-client-paths.json")));
        int count = 0;
        foreach (var vector in doc.RootElement.EnumerateArray())
        {
            string key = vector.GetProperty("key").GetString()!;
            string path = vector.GetProperty("path").GetString()!;
            var raw = PeerPath.PathOf(path);
            Assert.True(raw.StartsWith(HttpPoolOptions.DefaultBasePath, StringComparison.Ordinal), path);
            Assert.True(PeerPath.TrySplit(raw[HttpPoolOptions.DefaultBasePath.Length..], out string group, out string decoded), path);
            Assert.Equal("data", group);
            Assert.Equal(key, decoded);
            count++;
        }

        Assert.True(count >= 50, $"only {count} vectors");
    }

    [Theory]
    [InlineData("%")]
    [InlineData("%4")]
    [InlineData("abc%")]
    [InlineData("%zz")]
    [InlineData("%G1")]
    [InlineData("%E4%B8")]
    [InlineData("%FF")]
    [InlineData("%C0%AF")]
    public void TryUnescape_Malformed_ReturnsFalse(string escaped) =>
        Assert.False(PeerPath.TryUnescape(escaped, out _));

    [Theory]
    [InlineData("a+b", "a b")]
    [InlineData("a%20b", "a b")]
    [InlineData("x%2By", "x+y")]
    [InlineData("%e4%b8%ad", "中")]
    [InlineData("中", "中")]
    public void TryUnescape_QueryEscaped_DecodesPlusAsSpace(string escaped, string expected)
    {
        Assert.True(PeerPath.TryUnescape(escaped, out string text));
        Assert.Equal(expected, text);
    }

    [Theory]
    [InlineData("data", false)]
    [InlineData("", false)]
    [InlineData("data/", true)]
    [InlineData("data/a/b", true)]
    [InlineData("da%2Fta/k", true)]
    public void TrySplit_RawRest_NeedsASlashAfterTheGroup(string rest, bool ok) =>
        Assert.Equal(ok, PeerPath.TrySplit(rest, out _, out _));

    [Fact]
    public void TrySplit_EscapedSlashInGroup_StaysInTheGroup()
    {
        Assert.True(PeerPath.TrySplit("da%2Fta/k%2Fey", out string group, out string key));
        Assert.Equal("da/ta", group);
        Assert.Equal("k/ey", key);
    }

    [Theory]
    [InlineData("/_groupcache/data/k?x=1", "/_groupcache/data/k")]
    [InlineData("/_groupcache/data/k#f", "/_groupcache/data/k")]
    [InlineData("http://127.0.0.1:1/_groupcache/data/k?q", "/_groupcache/data/k")]
    [InlineData("http://127.0.0.1:1", "")]
    [InlineData("*", "")]
    public void PathOf_Target_DropsQueryAndAuthority(string target, string expected) =>
        Assert.Equal(expected, PeerPath.PathOf(target).ToString());

    private static string GoPathUnescape(string escaped)
    {
        var bytes = new List<byte>();
        for (int i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] == '%')
            {
                bytes.Add(Convert.ToByte(escaped.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(escaped[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }
}
