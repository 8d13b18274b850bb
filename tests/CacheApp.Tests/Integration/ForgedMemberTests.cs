using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CacheApp.Tests.Support;
using GroupCache.Http;

namespace CacheApp.Tests.Integration;

/// <summary>
/// Issue 19's attack, repeated: an outsider POSTs one /api/cluster/join naming a fake groupcache
/// peer of its own (<see cref="ForgingPeer"/>), then asks the node for keys the fake would own.
/// Without a secret the node serves the forged values; a cluster started by start-services.sh, or a
/// node with CLUSTER_SECRET, refuses the join, keeps its ring and never asks the fake for anything.
/// </summary>
public class ForgedMemberTests
{
    private const string Secret = "ring-secret-for-tests";

    [Fact]
    public async Task Join_NodeWithoutSecret_PutsTheFakeOnTheRingAndServesItsForgedValues()
    {
        // The control: proves that the fake, the join message and the key choice make a real attack,
        // so that the refusals below are refusals. Slow gossip keeps the fake alive while it is read.
        using var cluster = await TestCluster.StartAsync(1, new Dictionary<string, string>
        {
            ["GOSSIP_INTERVAL"] = "2s",
            ["MEMBER_DEAD_AFTER"] = "20s",
            ["MEMBER_FORGET_AFTER"] = "60s",
        });
        var node = cluster.Nodes[0];
        await using var fake = await ForgingPeer.StartAsync();
        var keys = fake.KeysItWouldOwn([node.GcAddr], 5);

        var (status, _) = await PostJoinAsync(node.ApiUrl, fake, secret: null);

        // Membership hands its rings to the pool through the peer source, a moment after the join's answer.
        string[] ring = await node.RingAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(10); !ring.Contains(fake.Url) && DateTime.UtcNow < deadline; ring = await node.RingAsync())
        {
            await Task.Delay(50);
        }

        var answers = await AnswersAsync(node, keys);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(fake.Url, ring);
        Assert.Equal(keys.Select(ForgingPeer.ForgedValue), answers);
        Assert.False((await node.StatusAsync()).GetProperty("security").GetProperty("clusterSecret").GetBoolean());
    }

    [Fact]
    public async Task Join_NodeWithClusterSecret_IsRefusedRingUnchangedNoForgedValue()
    {
        using var cluster = await TestCluster.StartAsync(1, new Dictionary<string, string> { ["CLUSTER_SECRET"] = Secret });
        await using var fake = await ForgingPeer.StartAsync();

        await AssertForgedJoinRefusedAsync(cluster.Nodes, fake, wrongSecret: Secret + "x");
        Assert.True((await cluster.Nodes[0].StatusAsync()).GetProperty("security").GetProperty("clusterSecret").GetBoolean());
    }

    [Fact]
    public async Task Join_NodeWithClusterSecretFile_IsRefusedAndTheSecretFromTheFileIsAccepted()
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "secret");
        await File.WriteAllTextAsync(file, Secret + "\n");
        using var cluster = await TestCluster.StartAsync(1, new Dictionary<string, string> { ["CLUSTER_SECRET_FILE"] = file });
        var node = cluster.Nodes[0];
        await using var fake = await ForgingPeer.StartAsync();

        await AssertForgedJoinRefusedAsync(cluster.Nodes, fake, wrongSecret: Secret.ToUpperInvariant());

        // The file's secret, without its newline, is the one the node checks.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, $"{node.ApiUrl}/api/data/apple", Secret)).Status);
        Assert.True((await node.StatusAsync()).GetProperty("security").GetProperty("clusterSecret").GetBoolean());
    }

    [Fact]
    public async Task Join_ClusterStartedByStartServices_IsRefusedAndTheSourcesNotificationsStillInvalidate()
    {
        using var dir = new TempDir();
        var (basePort, sourcePort) = StartScriptTests.FreePorts(4);
        var env = new Dictionary<string, string>
        {
            ["SELF_HOST"] = "127.0.0.1",
            ["BASE_PORT"] = basePort.ToString(CultureInfo.InvariantCulture),
            ["SOURCE_PORT"] = sourcePort.ToString(CultureInfo.InvariantCulture),
            ["NODES"] = "2",
        };
        var pids = new List<int>();
        await using var fake = await ForgingPeer.StartAsync();
        try
        {
            var start = await StartScriptTests.RunScriptAsync(dir, env, "start", TimeSpan.FromMinutes(8));
            pids.AddRange(StartScriptTests.StartedPids(dir));
            Assert.True(start.ExitCode == 0, start.Output);

            // A fresh random secret, readable by its owner only, named (never printed) in the summary.
            string secretFile = Path.Combine(dir.Path, "run", "cluster-secret");
            string secret = await File.ReadAllTextAsync(secretFile);
            Assert.Matches("^[0-9a-f]{64}$", secret);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretFile));
            }

            Assert.Contains($"CLUSTER_SECRET=\"$(cat {secretFile})\"", start.Output);
            Assert.DoesNotContain(secret, start.Output);

            string source = $"http://127.0.0.1:{sourcePort}";
            var nodes = new[] { basePort, basePort + 2 }.Select(p => new ScriptNode(p)).ToArray();
            foreach (var node in nodes)
            {
                Assert.True((await GetJsonAsync($"{node.ApiUrl}/api/admin/status")).GetProperty("security").GetProperty("clusterSecret").GetBoolean());
            }

            string[] ring = [.. nodes.Select(n => n.GcAddr).Order(StringComparer.Ordinal)];
            foreach (var node in nodes)
            {
                await AssertRefusedAsync(node.ApiUrl, ring, fake, wrongSecret: secret[..^1]);
            }

            // The source's -notify carries the generated secret: a write there reaches both nodes.
            foreach (var node in nodes)
            {
                Assert.Equal("A crisp red apple", (await GetJsonAsync($"{node.ApiUrl}/api/data/apple")).GetProperty("value").GetString());
            }

            string token = File.ReadAllText(Path.Combine(dir.Path, "run", "source-token")).Trim();
            await TestHttp.PutValueAsync(source, "apple", "written at the source", token);
            bool invalidated = await TestHttp.EventuallyAsync(
                async () =>
                {
                    foreach (var node in nodes)
                    {
                        if ((await GetJsonAsync($"{node.ApiUrl}/api/data/apple")).GetProperty("value").GetString() != "written at the source")
                        {
                            return false;
                        }
                    }

                    return true;
                },
                TimeSpan.FromSeconds(10));
            Assert.True(invalidated, "the source's notification did not reach the nodes:" + Environment.NewLine + await File.ReadAllTextAsync(Path.Combine(dir.Path, "logs", "sourceapp.log")));

            // Making every node forget a key takes the secret too.
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Delete, $"{nodes[0].ApiUrl}/api/data/apple", null)).Status);
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, $"{nodes[0].ApiUrl}/api/data/apple", secret)).Status);

            var stop = await StartScriptTests.RunScriptAsync(dir, env, "stop", TimeSpan.FromMinutes(1));
            Assert.True(stop.ExitCode == 0, stop.Output);

            // A second start reuses the secret while its file exists.
            var again = await StartScriptTests.RunScriptAsync(dir, new Dictionary<string, string>(env) { ["NODES"] = "1", ["SKIP_BUILD"] = "1" }, "start", TimeSpan.FromMinutes(3));
            pids.AddRange(StartScriptTests.StartedPids(dir));
            Assert.True(again.ExitCode == 0, again.Output);
            Assert.Equal(secret, await File.ReadAllTextAsync(secretFile));
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Delete, $"{nodes[0].ApiUrl}/api/data/apple", secret)).Status);
            Assert.Equal(0, (await StartScriptTests.RunScriptAsync(dir, env, "stop", TimeSpan.FromMinutes(1))).ExitCode);
        }
        finally
        {
            StartScriptTests.KillLeftovers(pids.Concat(StartScriptTests.StartedPids(dir)));
        }
    }

    [Fact]
    public async Task Delete_NodeWithClusterSecret_NeedsTheSecret()
    {
        using var cluster = await TestCluster.StartAsync(1, new Dictionary<string, string> { ["CLUSTER_SECRET"] = Secret });
        string url = $"{cluster.Nodes[0].ApiUrl}/api/data/apple";

        var none = await SendAsync(HttpMethod.Delete, url, null);
        var wrong = await SendAsync(HttpMethod.Delete, url, "S" + Secret[1..]);
        var right = await SendAsync(HttpMethod.Delete, url, Secret);

        Assert.Equal(HttpStatusCode.Unauthorized, none.Status);
        Assert.Contains(PeerProtocolHeaders.Secret, none.Body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal(HttpStatusCode.OK, right.Status);
        Assert.Equal("apple", right.Body.GetProperty("key").GetString());
    }

    [Fact]
    public async Task Delete_NodeWithoutSecret_WorksWithoutOne_AsInTheSeed()
    {
        using var cluster = await TestCluster.StartAsync(1);

        var reply = await SendAsync(HttpMethod.Delete, $"{cluster.Nodes[0].ApiUrl}/api/data/apple", null);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Theory]
    [InlineData(false, "cannot be read")]
    [InlineData(true, "is empty")]
    public async Task Start_BadClusterSecretFile_ExitsNonZeroNamingTheVariable(bool exists, string expected)
    {
        using var dir = new TempDir();
        string file = Path.Combine(dir.Path, "secret");
        if (exists)
        {
            await File.WriteAllTextAsync(file, "\n");
        }

        using var node = new CacheNode("bad-secret", "http://127.0.0.1:1", extraEnv: new Dictionary<string, string> { ["CLUSTER_SECRET_FILE"] = file });
        node.Launch();

        Assert.True(await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), "the node kept running with a bad CLUSTER_SECRET_FILE");
        Assert.NotEqual(0, node.Process.ExitCode);
        Assert.Contains($"CLUSTER_SECRET_FILE '{file}' {expected}", node.Process.Output);
    }

    /// <summary>A node of a cluster that start-services.sh started, on 127.0.0.1.</summary>
    private sealed record ScriptNode(int ApiPort)
    {
        public string ApiUrl => $"http://127.0.0.1:{ApiPort}";

        public string GcAddr => $"http://127.0.0.1:{ApiPort + 1}";
    }

    private static async Task AssertForgedJoinRefusedAsync(IReadOnlyList<CacheNode> nodes, ForgingPeer fake, string wrongSecret)
    {
        string[] ring = [.. nodes.Select(n => n.GcAddr).Order(StringComparer.Ordinal)];
        foreach (var node in nodes)
        {
            await AssertRefusedAsync(node.ApiUrl, ring, fake, wrongSecret);
        }
    }

    /// <summary>The join without a secret and with a wrong one: 401 both, the ring as before, no key of the fake's forged, the fake never asked.</summary>
    private static async Task AssertRefusedAsync(string apiUrl, string[] ring, ForgingPeer fake, string wrongSecret)
    {
        var keys = fake.KeysItWouldOwn(ring, 5);

        var withoutSecret = await PostJoinAsync(apiUrl, fake, secret: null);
        var withWrongSecret = await PostJoinAsync(apiUrl, fake, wrongSecret);
        string[] ringAfter = [.. (await GetJsonAsync($"{apiUrl}/api/admin/peers")).GetProperty("ring").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal)];
        var answers = new List<string?>();
        foreach (string key in keys)
        {
            var (status, body) = await TestHttp.GetJsonAsync($"{apiUrl}/api/data/{key}");
            answers.Add(status == HttpStatusCode.OK ? body.GetProperty("value").GetString() : null);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, withoutSecret.Status);
        Assert.Contains(PeerProtocolHeaders.Secret, withoutSecret.Body.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, withWrongSecret.Status);
        Assert.Equal(ring, ringAfter);
        Assert.DoesNotContain(answers, a => a is not null && a.StartsWith("forged ", StringComparison.Ordinal));
        Assert.Equal(0, fake.Requests);
    }

    private static async Task<List<string?>> AnswersAsync(CacheNode node, IEnumerable<string> keys)
    {
        var answers = new List<string?>();
        foreach (string key in keys)
        {
            var (status, body) = await node.GetAsync(key);
            answers.Add(status == HttpStatusCode.OK ? body.GetProperty("value").GetString() : $"{(int)status} {body}");
        }

        return answers;
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> PostJoinAsync(string apiUrl, ForgingPeer fake, string? secret) =>
        PostAsync($"{apiUrl}/api/cluster/join", fake.JoinMessage(fake.Url), secret);

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string url, string json, string? secret)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await SendAsync(HttpMethod.Post, url, secret, content);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string url, string? secret, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(url)) { Content = content };
        if (secret is not null)
        {
            request.Headers.TryAddWithoutValidation(PeerProtocolHeaders.Secret, secret);
        }

        using var response = await TestHttp.Client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response.StatusCode, doc.RootElement.Clone());
    }

    private static async Task<JsonElement> GetJsonAsync(string url) => (await TestHttp.GetJsonAsync(url)).Body;
}
