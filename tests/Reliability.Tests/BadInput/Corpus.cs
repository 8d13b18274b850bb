using System.Text;

namespace Reliability.Tests.BadInput;

internal enum Service
{
    Source,
    CacheApi,
    CachePeer,
}

/// <summary>One malformed request: which listener it goes to, its bytes, how long to wait for an answer.</summary>
internal sealed record BadRequest(string Kind, Service Service, byte[] Bytes, TimeSpan Timeout);

/// <summary>
/// The malformed-request corpus: broken keys, methods, bodies, headers and request lines, for the
/// source, the cache node's API port and its groupcache port. Deterministic, so runs compare.
/// </summary>
internal static class Corpus
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(5);

    // A request that claims more body than it sends waits for the server to give up or answer.
    private static readonly TimeSpan Lying = TimeSpan.FromSeconds(2);

    /// <summary>Key parts of a path, after the data prefix: bad escapes, bad UTF-8, NUL, long keys, traversal.</summary>
    public static readonly string[] BadKeys =
    [
        "%", "%2", "%G0", "%zz", "%%41", "a%", "%u0041", "a%20b%", "%e9", "%c3%28", "%ff%fe", "%ed%a0%80",
        "%f4%90%80%80", "%c0%af", "%e2%82", "%f0%9f%98", "%fe", "%00", "a%00b", "%0a%0d", "%0d%0aX-Injected:%201",
        new string('k', 10 * 1024), string.Concat(Enumerable.Repeat("%41", 3500)), new string('x', 251),
        string.Concat(Enumerable.Repeat("%c3%a9", 126)), "../../etc/passwd", "..%2f..%2fetc%2fpasswd",
        "%2e%2e/%2e%2e/etc/passwd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "....//....//etc/passwd",
        "..\\..\\windows\\win.ini", "%5c..%5c..%5cboot.ini", "a/../../../b", ".", "..", "%2e", "%2e%2e",
        "/", "//", "?", "?x=1&y", "#frag", "%23", "a;b=c", "*", "\u00ff\u00fe", "caf\u00e9",
        "a\u0000b", "\u0001\u0002\u0003", "tab\there", "%7f", "%c2", "%80", "%bf%bf",
    ];

    public static readonly string[] Methods = ["GET", "PUT", "DELETE"];

    public static readonly string[] OddMethods = ["POST", "PATCH", "OPTIONS", "TRACE", "FOO", "PROPFIND", "GETT", "get", "M-SEARCH"];

    public static readonly string[] BadBodies =
    [
        "", "{", "}", "[", "\"", "{\"value\":", "{\"value\": 1}", "{\"value\": true}", "{\"value\": null}", "{\"value\": []}",
        "{\"value\": {}}", "{\"value\": 1e999999}", "true", "null", "[]", "{}", "42", "\"just a string\"", "[1,2",
        "{\"value\":\"x\",}", "{'value':'x'}", "{value:\"x\"}", "{\"value\":\"x\"} trailing", "{\"value\":\"x\"}{\"value\":\"y\"}",
        "{\"value\":\"\\ud800\"}", "{\"value\":\"\\x41\"}", "{\"value\":\"a\u0000b\"}", "\u0000\u0000\u0000", "/* c */ {\"value\":\"x\"}",
        new string('[', 100_000), string.Concat(Enumerable.Repeat("{\"a\":", 5000)) + "1" + new string('}', 5000),
        "{\"value\":" + new string('[', 3000) + new string(']', 3000) + "}", "{\"from\":\"ftp://127.0.0.1:1\",\"members\":[]}",
        "{\"from\":\"javascript:alert(1)\",\"members\":[]}", "{\"from\":\"file:///etc/passwd\",\"members\":[]}",
        "{\"from\":\"http://127.0.0.1:1/path\",\"members\":[]}", "{\"from\":\"http://127.0.0.1:1\",\"members\":[null]}",
        "{\"from\":\"http://127.0.0.1:1\",\"members\":[{\"apiAddr\":123}]}", "{\"from\":\"http://127.0.0.1:1\",\"members\":{}}",
        "{\"from\":\"http://127.0.0.1:1\",\"members\":[{\"apiAddr\":\"http://127.0.0.1:2\",\"groupCacheAddr\":\"gopher://x\",\"incarnation\":1,\"heartbeat\":1}]}",
        "{\"from\":\"http://127.0.0.1:1\",\"members\":[{\"apiAddr\":\"http://127.0.0.1:2\",\"groupCacheAddr\":\"http://127.0.0.1:3\",\"incarnation\":-1,\"heartbeat\":1}]}",
        "{\"from\":\"http://127.0.0.1:1\",\"members\":[{\"apiAddr\":\"http://127.0.0.1:2\",\"groupCacheAddr\":\"http://127.0.0.1:3\",\"incarnation\":99999999999999999999999,\"heartbeat\":1}]}",
        "{\"from\":\"http://127.0.0.1:1\",\"members\":[" + string.Join(',', Enumerable.Range(0, 300).Select(i => $"{{\"apiAddr\":\"http://127.0.0.1:{i + 1}\",\"groupCacheAddr\":\"http://127.0.0.1:{i + 1}\",\"incarnation\":1,\"heartbeat\":1}}")) + "]}",
        "{\"from\":" + new string('[', 2000) + "}",
    ];

    public static readonly string[] BadContentTypes =
    [
        "text/html", "image/png", "multipart/form-data; boundary=x", "application/xml", "garbage;;;", "application/json; charset=utf-16",
        "application/octet-stream", ";", "application/json\u0001", "*/*",
    ];

    public static List<BadRequest> Build()
    {
        var list = new List<BadRequest>();
        foreach (var service in new[] { Service.Source, Service.CacheApi, Service.CachePeer })
        {
            string data = service == Service.CachePeer ? "/_groupcache/data/" : "/api/data/";

            // Keys: every bad key with GET, PUT and DELETE.
            foreach (string key in BadKeys)
            {
                foreach (string method in Methods)
                {
                    list.Add(Req("key", service, method, data + key, body: method == "PUT" ? "{\"value\":\"x\"}" : null));
                }
            }

            // Methods nobody serves, on every kind of path.
            foreach (string method in OddMethods)
            {
                foreach (string path in new[] { data + "apple", "/health", "/api/keys", "/api/cluster/join", "/api/admin/status" })
                {
                    list.Add(Req("method", service, method, path, body: method is "POST" or "PATCH" ? "{}" : null));
                }
            }

            // Bodies: PUT a value on the data path, and POST each cluster message.
            string[] bodyTargets = service == Service.CacheApi
                ? ["PUT " + data + "body-target", "POST /api/cluster/join", "POST /api/cluster/gossip", "POST /api/cluster/leave"]
                : ["PUT " + data + "body-target"];
            foreach (string target in bodyTargets)
            {
                string[] parts = target.Split(' ');
                foreach (string body in BadBodies)
                {
                    list.Add(Req("body", service, parts[0], parts[1], body, "application/json"));
                }

                foreach (string type in BadContentTypes)
                {
                    list.Add(Req("content-type", service, parts[0], parts[1], "{\"value\":\"x\"}", type));
                }

                // Invalid UTF-8 inside a JSON string, and a body of NUL bytes.
                list.Add(Raw("body", service, Concat(Head(parts[0], parts[1], "Content-Type: application/json\r\nContent-Length: 15\r\n"), [.. "{\"value\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8])));
                list.Add(Raw("body", service, Concat(Head(parts[0], parts[1], "Content-Type: application/json\r\nContent-Length: 64\r\n"), new byte[64])));

                // Lying lengths: more announced than sent, then silence.
                list.Add(Raw("lying-length", service, Concat(Head(parts[0], parts[1], "Content-Type: application/json\r\nContent-Length: 1073741824\r\n"), "{\"value\":\"x\"}"u8.ToArray()), Lying));
                list.Add(Raw("lying-length", service, Concat(Head(parts[0], parts[1], "Content-Type: application/json\r\nContent-Length: 100\r\n"), "{\"value\":"u8.ToArray()), Lying));
            }

            // Headers and framing.
            string apple = data + "apple";
            foreach (string headers in new[]
            {
                "X-Big: " + new string('a', 40 * 1024) + "\r\n",
                string.Concat(Enumerable.Range(0, 200).Select(i => $"X-H{i}: {i}\r\n")),
                "Cookie: " + new string('c', 64 * 1024) + "\r\n",
                "Content-Length: abc\r\n",
                "Content-Length: -1\r\n",
                "Content-Length: 99999999999999999999999\r\n",
                "Content-Length: 5\r\nContent-Length: 6\r\n",
                "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
                "Transfer-Encoding: gzip\r\n",
                "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
                "X-No-Colon\r\n",
                " folded: continuation\r\n",
                "X-Nul: a\0b\r\n",
                "Host: second.example\r\n",
                "Authorization: Bearer " + new string('t', 8 * 1024) + "\r\n",
                "X-GroupCache-Secret: " + new string('s', 8 * 1024) + "\r\n",
                "Expect: 999-nonsense\r\n",
            })
            {
                list.Add(Raw("header", service, Bytes($"GET {apple} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n")));
            }

            list.Add(Raw("header", service, Bytes($"GET {apple} HTTP/1.1\r\nConnection: close\r\n\r\n")));

            // Request lines and raw bytes.
            foreach (byte[] line in new[]
            {
                Bytes("GET\r\n\r\n"),
                Bytes($"GET {apple}\r\n\r\n"),
                Bytes($"GET {apple} HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n"),
                Bytes($"GET {apple} HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n"),
                Bytes($"GET {apple} HTTP/1.2\r\nHost: 127.0.0.1\r\n\r\n"),
                Bytes($"GET {apple} HTTP/1.10\r\nHost: 127.0.0.1\r\n\r\n"),
                Bytes($"GET {apple} HTTP/1.1 extra\r\nHost: 127.0.0.1\r\n\r\n"),
                Bytes($" {apple} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                Bytes("\r\n\r\n\r\n"),
                Bytes($"GET  {apple}  HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                Bytes($"GET http://127.0.0.1:1{apple} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
                Bytes("GET * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
                Bytes("OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
                Bytes("CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nConnection: close\r\n\r\n"),
                Bytes($"GET {data}{new string('u', 100 * 1024)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                Bytes($"get {apple} http/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
                Bytes($"GET {apple} HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n"),
                Concat(Bytes($"GET {data}"), [0xFF, 0xFE, 0x00, 0x80], Bytes(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")),
                Concat(Bytes($"GET {data}a"), [0x00], Bytes("b HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")),
                [0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03, .. new byte[64]],
                [.. Enumerable.Range(0, 1024).Select(i => (byte)(i * 37 % 256))],
                Bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
            })
            {
                list.Add(Raw("request-line", service, line));
            }
        }

        return list;
    }

    /// <summary>The slow senders' requests: each is trickled one byte at a time.</summary>
    public static byte[] SlowRequest(Service service) => service switch
    {
        Service.CachePeer => Bytes("GET /_groupcache/data/apple HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + new string('p', 64) + "\r\n\r\n"),
        _ => Bytes("PUT /api/data/slow-sender HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"value\":\"sent one byte at a time....\"}"),
    };

    private static BadRequest Req(string kind, Service service, string method, string path, string? body = null, string? contentType = null)
    {
        byte[] bodyBytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        string headers = (contentType is null ? "" : $"Content-Type: {contentType}\r\n") + (body is null ? "" : $"Content-Length: {bodyBytes.Length}\r\n");
        return Raw(kind, service, Concat(Head(method, path, headers), bodyBytes));
    }

    private static BadRequest Raw(string kind, Service service, byte[] bytes, TimeSpan? timeout = null) => new(kind, service, bytes, timeout ?? Quick);

    private static byte[] Head(string method, string path, string headers) =>
        Encoding.UTF8.GetBytes($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}\r\n");

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
