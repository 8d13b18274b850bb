using System.Text;

namespace CacheApp.Tests.Integration;

/// <summary>Malformed and out-of-range membership messages, as raw bodies: each must be refused with a 4xx.</summary>
internal static class MembershipCorpus
{
    private const string From = "http://127.0.0.1:1";

    private static string Member(string field, string value)
    {
        var fields = new Dictionary<string, string>
        {
            ["apiAddr"] = "\"http://127.0.0.1:2\"",
            ["groupCacheAddr"] = "\"http://127.0.0.1:3\"",
            ["incarnation"] = "1",
            ["heartbeat"] = "1",
            ["left"] = "false",
            ["ageMs"] = "0",
            ["state"] = "\"alive\"",
        };
        fields[field] = value;
        return "{" + string.Join(',', fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";
    }

    private static string WithMember(string field, string value) => $$"""{"from":"{{From}}","members":[{{Member(field, value)}}]}""";

    private static string WithField(string field, string value) => $$"""{"from":"{{From}}","members":[],"{{field}}":{{value}}}""";

    /// <summary>Name, body bytes.</summary>
    public static IEnumerable<(string Name, byte[] Body)> Cases()
    {
        var text = new List<(string, string)>
        {
            ("empty body", ""),
            ("not JSON", "not json"),
            ("JSON null", "null"),
            ("a number", "42"),
            ("an array", "[]"),
            ("an empty object", "{}"),
            ("truncated", """{"from":"http://127.0.0.1:1","members":["""),
            ("from missing", """{"members":[]}"""),
            ("members missing", $$"""{"from":"{{From}}"}"""),
            ("from a number", """{"from":1,"members":[]}"""),
            ("members an object", $$$"""{"from":"{{{From}}}","members":{}}"""),
            ("member null", $$"""{"from":"{{From}}","members":[null]}"""),
            ("member a number", $$"""{"from":"{{From}}","members":[1]}"""),
            ("from ftp://", """{"from":"ftp://127.0.0.1:1","members":[]}"""),
            ("from javascript:", """{"from":"javascript:alert(1)","members":[]}"""),
            ("from with a path", """{"from":"http://127.0.0.1:1/x","members":[]}"""),
            ("from 100 KB long", $$"""{"from":"http://{{new string('a', 100_000)}}:1","members":[]}"""),
            ("apiAddr file:", WithMember("apiAddr", "\"file:///etc/passwd\"")),
            ("groupCacheAddr gopher:", WithMember("groupCacheAddr", "\"gopher://127.0.0.1:3\"")),
            ("apiAddr empty", WithMember("apiAddr", "\"\"")),
            ("apiAddr 300 characters", WithMember("apiAddr", $"\"http://{new string('h', 290)}:2\"")),
            ("incarnation negative", WithMember("incarnation", "-1")),
            ("incarnation above the bound", WithMember("incarnation", "1000000000000000001")),
            ("incarnation long.MaxValue", WithMember("incarnation", "9223372036854775807")),
            ("incarnation beyond long", WithMember("incarnation", "1e30")),
            ("incarnation fractional", WithMember("incarnation", "1.5")),
            ("incarnation a string", WithMember("incarnation", "\"1\"")),
            ("heartbeat negative", WithMember("heartbeat", "-5")),
            ("heartbeat long.MaxValue", WithMember("heartbeat", "9223372036854775807")),
            ("ageMs negative", WithMember("ageMs", "-1")),
            ("ageMs long.MaxValue", WithMember("ageMs", "9223372036854775807")),
            ("left a string", WithMember("left", "\"yes\"")),
            ("state unknown", WithMember("state", "\"zombie\"")),
            ("state a number", WithMember("state", "3")),
            ("seq negative", WithField("seq", "-1")),
            ("seq beyond long", WithField("seq", "1e19")),
            ("page negative", WithField("page", "-1")),
            ("page above the bound", WithField("page", "100000")),
            ("page beyond int", WithField("page", "2147483648")),
            ("more a string", WithField("more", "\"x\"")),
            ("target gopher:", WithField("target", "\"gopher://127.0.0.1:5\"")),
            ("targetApi with a query", WithField("targetApi", "\"http://127.0.0.1:5/?x=1\"")),
            ("fromApi javascript:", WithField("fromApi", "\"javascript:alert(1)\"")),
            ("257 members", "{\"from\":\"" + From + "\",\"members\":[" + string.Join(',', Enumerable.Range(0, 257).Select(i => Member("groupCacheAddr", $"\"http://127.0.0.1:{10000 + i}\""))) + "]}"),
            ("nested 1000 deep", new string('[', 1000) + new string(']', 1000)),
            ("body over 1 MiB", $$"""{"from":"{{From}}","members":[]}""" + new string(' ', (1 << 20) + 1)),
        };

        foreach (var (name, body) in text)
        {
            yield return (name, Encoding.UTF8.GetBytes(body));
        }

        yield return ("invalid UTF-8", [.. "{\"from\":\""u8.ToArray(), 0xC3, 0x28, .. "\",\"members\":[]}"u8.ToArray()]);
    }
}
