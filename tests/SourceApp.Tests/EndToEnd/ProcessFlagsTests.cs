using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SourceApp.Tests.Support;

namespace SourceApp.Tests.EndToEnd;

/// <summary>The built service run as a real process: its flags, its start-up, and raw HTTP on its socket.</summary>
public sealed class ProcessFlagsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_PrintsUsageAndExits0(string flag)
    {
        var (exitCode, stdout, _) = await SourceProcess.RunToExitAsync(flag);

        Assert.Equal(0, exitCode);
        Assert.Contains("Usage: SourceApp", stdout);
        Assert.Contains("-db PATH", stdout);
        Assert.Contains("-http ADDR", stdout);
        Assert.Contains("-name NAME", stdout);
    }

    [Theory]
    [InlineData("flag provided but not defined: -port", "-port", "80")]
    [InlineData("invalid value \"nonsense\" for flag -http", "-http", "nonsense")]
    [InlineData("flag needs an argument: -db", "-db")]
    [InlineData("unexpected argument \"stray\"", "stray")]
    [InlineData("invalid value for flag -token: the token is empty", "-http", "127.0.0.1:0", "-token", "")]
    [InlineData("invalid value \"2147483648\" for flag -max-body", "-http", "127.0.0.1:0", "-max-body", "2147483648")]
    public async Task BadCommandLine_PrintsTheErrorAndUsageAndExits2(string error, params string[] args)
    {
        var (exitCode, stdout, stderr) = await SourceProcess.RunToExitAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(error, stderr);
        Assert.Contains("Usage: SourceApp", stderr);
        Assert.Empty(stdout);
    }

    [Fact]
    public async Task Start_NewerSchemaOnDisk_LogsAndExits1()
    {
        var path = _folder.File("future.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 7;";
            command.ExecuteNonQuery();
        }

        var (exitCode, stdout, stderr) = await SourceProcess.RunToExitAsync("-db", path, "-http", "127.0.0.1:0");

        Assert.Equal(1, exitCode);
        Assert.Contains("schema version 7", stdout + stderr);
    }

    [Fact]
    public async Task Start_DatabasePathIsAFolder_LogsAndExits1()
    {
        var folder = _folder.File("a-folder");
        Directory.CreateDirectory(folder);

        var (exitCode, stdout, stderr) = await SourceProcess.RunToExitAsync("-db", folder, "-http", "127.0.0.1:0");

        Assert.Equal(1, exitCode);
        Assert.Contains("Cannot start", stdout + stderr);
    }

    [Theory]
    [InlineData("-db", "{0}", "-http", "127.0.0.1:0", "-name", "proc-node")]
    [InlineData("--db={0}", "--http=127.0.0.1:0", "--name=proc-node")]
    public async Task Start_WithFlags_ServesAndLogsNameAddressAndDatabase(params string[] template)
    {
        var db = _folder.File("new", "folder", "sqlite.db");
        var args = template.Select(a => string.Format(System.Globalization.CultureInfo.InvariantCulture, a, db)).ToArray();
        var (process, client) = await SourceProcess.StartAsync(args);
        using (process)
        using (client)
        {
            var health = JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement;
            var apple = JsonDocument.Parse(await client.GetStringAsync("/api/data/apple")).RootElement;

            Assert.Equal("ok", health.GetProperty("status").GetString());
            Assert.Equal("proc-node", health.GetProperty("name").GetString());
            Assert.Equal("apple", apple.GetProperty("key").GetString());
            Assert.True(File.Exists(db));
            Assert.Contains($"SourceApp proc-node listening on {client.BaseAddress!.ToString().TrimEnd('/')} with database {db}", process.Output);
            Assert.DoesNotContain("Writes need no token", process.Output, StringComparison.Ordinal); // loopback only: nothing to warn about
        }
    }

    [Fact]
    public async Task Start_SeedsCurlExample_WorksAsWritten()
    {
        var (process, client) = await SourceProcess.StartAsync(["-db", _folder.File("d", "s.db"), "-http", "127.0.0.1:0"]);
        using (process)
        using (client)
        {
            // curl -X PUT -d '{"value":"something new"}' .../api/data/newkey
            var content = new StringContent("""{"value":"something new"}""", Encoding.UTF8, "application/x-www-form-urlencoded");
            var put = await client.PutAsync("/api/data/newkey", content);
            var get = JsonDocument.Parse(await client.GetStringAsync("/api/data/newkey")).RootElement;

            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.Equal("something new", get.GetProperty("value").GetString());
        }
    }

    [Theory]
    [InlineData("env-token")]
    [InlineData("env-token\n")] // a Kubernetes secret written with echo
    public async Task Start_TokenFromEnvironment_GuardsWrites(string variable)
    {
        var environment = new Dictionary<string, string> { ["SOURCEAPP_TOKEN"] = variable };
        var (process, client) = await SourceProcess.StartAsync(["-db", _folder.File("t.db"), "-http", "127.0.0.1:0"], environment);
        using (process)
        using (client)
        {
            var refused = await client.PutAsync("/api/data/k", Keys.ValueBody("v"));
            using var request = new HttpRequestMessage(HttpMethod.Put, "/api/data/k") { Content = Keys.ValueBody("v") };
            request.Headers.Authorization = new("Bearer", "env-token");
            var accepted = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        }
    }

    [Theory]
    [InlineData("GET /api/data/%zz HTTP/1.1", 400)]
    [InlineData("GET /api/data/%E2%82 HTTP/1.1", 400)]
    [InlineData("GET /api/data/a%2Fb%2B+c%20%3F%23 HTTP/1.1", 404)]
    [InlineData("PUT /api/data/a%2Fb%2B+c%20%3F%23 HTTP/1.1", 201)]
    [InlineData("GET /nowhere HTTP/1.1", 404)]
    [InlineData("POST /api/keys HTTP/1.1", 405)]
    public async Task RawRequestTarget_IsDecodedByTheService(string requestLine, int status)
    {
        var (process, client) = await SourceProcess.StartAsync(["-db", _folder.File("raw.db"), "-http", "127.0.0.1:0"]);
        using (process)
        using (client)
        {
            var body = requestLine.StartsWith("PUT", StringComparison.Ordinal) ? """{"value":"v"}""" : "";
            var (code, text) = await SendRawAsync(client.BaseAddress!.Port, requestLine, body);

            Assert.Equal(status, code);
            var json = JsonDocument.Parse(text).RootElement;
            if (status >= 400)
            {
                Assert.False(string.IsNullOrEmpty(json.GetProperty("error").GetString()));
            }
            else
            {
                Assert.Equal("a/b++c ?#", json.GetProperty("key").GetString());
            }
        }
    }

    /// <summary>Sends one request exactly as written (no client re-encoding) and returns status and body.</summary>
    private static async Task<(int Status, string Body)> SendRawAsync(int port, string requestLine, string body)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        var request = $"{requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var status = int.Parse(response.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headerEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = response[..headerEnd];
        var rest = response[(headerEnd + 4)..];
        if (head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase))
        {
            rest = Dechunk(rest);
        }

        return (status, rest);
    }

    private static string Dechunk(string chunked)
    {
        var result = new StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[position..lineEnd], 16);
            if (size == 0)
            {
                return result.ToString();
            }
            // Sizes count bytes; the bodies here are ASCII or short UTF-8, read back as chars.
            var chunk = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(chunked[(lineEnd + 2)..])[..size]);
            result.Append(chunk);
            position = lineEnd + 2 + chunk.Length + 2;
        }
    }
}
