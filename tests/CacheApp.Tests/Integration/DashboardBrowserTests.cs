using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using GroupCache.ConsistentHash;
using GroupCache.Http;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CacheApp.Tests.Integration;

/// <summary>
/// The dashboard as a person sees it: a real source and three real nodes under traffic, the page
/// opened in Debian's Chromium (headless, driven by Playwright), and only what its script rendered
/// checked. A broken script leaves the tables empty and fails every assertion here.
/// </summary>
public class DashboardBrowserTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    // Generous: a CI machine with two busy cores is slow to start a browser and three services.
    private static readonly TimeSpan PageWait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Dashboard_ThreeNodesUnderLoad_ShowsMembersSharesHitRatiosKeysAndAKilledNode()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: test.sh installs Debian's chromium");
        // A small cache budget, so that evictions and the budget line have something to show.
        using var cluster = await TestCluster.StartAsync(3, new Dictionary<string, string> { ["MEMBER_DEAD_AFTER"] = "15s", ["CACHE_BYTES"] = "8KB" });
        var nodes = cluster.Nodes;
        var keys = Values.Keys("dash-", 300).Append(OddKey).ToArray();
        await cluster.SeedAsync(keys);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 900 } });
        var scriptErrors = new List<string>();
        page.PageError += (_, error) => scriptErrors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                scriptErrors.Add(message.Text);
            }
        };
        page.SetDefaultTimeout((float)PageWait.TotalMilliseconds);

        var response = await page.GotoAsync($"{nodes[0].ApiUrl}/dashboard");
        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        string csp = (await response.AllHeadersAsync())["content-security-policy"];
        Assert.Contains("default-src 'none'", csp);

        // Load while the page samples, so that the charts have something to draw.
        // DASHBOARD_LOAD_SECONDS lengthens it for a screenshot with more history in its charts.
        int loadSeconds = int.TryParse(Environment.GetEnvironmentVariable("DASHBOARD_LOAD_SECONDS"), CultureInfo.InvariantCulture, out int s) ? Math.Clamp(s, 5, 280) : 20;
        await RunLoadAsync(nodes, keys, TimeSpan.FromSeconds(loadSeconds), async () =>
        {
            // The screenshot near the end of the load, once the page has drawn a few samples.
            await Task.Delay(TimeSpan.FromSeconds(loadSeconds - 3));
            await WaitForPollsAsync(page, 5);
            await SaveScreenshotsAsync(page);
        });

        // Every member named, with a share of the real ring; the shares add up to the whole.
        foreach (var node in nodes)
        {
            await Assertions.Expect(MemberRow(page, node).Locator("td[data-field=name]")).ToContainTextAsync(node.ApiUrl);
            await Assertions.Expect(MemberRow(page, node).Locator("td[data-field=state]")).ToHaveTextAsync("alive");
        }

        var expectedShares = ExpectedShares(nodes);
        double sum = 0;
        foreach (var node in nodes)
        {
            double shown = Percent(await MemberRow(page, node).Locator("td[data-field=share]").InnerTextAsync());
            Assert.True(Math.Abs(shown - (100 * expectedShares[node.GcAddr])) <= 0.006, $"{node.GcAddr}: shown {shown} %, ring {100 * expectedShares[node.GcAddr]} %");
            sum += shown;
        }

        Assert.True(Math.Abs(sum - 100) <= 0.5, $"ring shares add up to {sum} %");

        // Traffic has stopped: the page's hit ratio (which its script computes from the counters)
        // must come to what /api/admin/status says, on the serving node and on a peer.
        foreach (var node in new[] { nodes[0], nodes[1] })
        {
            await AssertHitRatioAgreesAsync(page, node);
        }

        await Assertions.Expect(page.Locator("#charts path[data-series]").First).ToBeAttachedAsync();
        await Assertions.Expect(page.Locator("#health tbody td[data-field=source]").First).ToHaveTextAsync("healthy");

        // The key box: the owner by the ring, the value through this node, an awkward key intact.
        await page.FillAsync("#key", OddKey);
        await page.ClickAsync("#key-form button[type=submit]");
        await Assertions.Expect(page.Locator("#key-result dd[data-field=value]")).ToHaveTextAsync(Values.Of(OddKey));
        string ownerGc = OwnerOf(nodes, OddKey);
        string owner = nodes.Single(n => n.GcAddr == ownerGc).ApiUrl;
        await Assertions.Expect(page.Locator("#key-result dd[data-field=owner]")).ToContainTextAsync(owner);

        // A killed node shows as not alive within 10 s (unreachable at once, suspect and dead later).
        var victim = nodes[2];
        victim.Process.Kill();
        var clock = Stopwatch.StartNew();
        await Assertions.Expect(MemberRow(page, victim)).ToHaveAttributeAsync("data-alive", "false", new() { Timeout = 10_000 });
        output.WriteLine($"killed node shown as not alive after {clock.Elapsed.TotalSeconds:F1} s");
        await Assertions.Expect(MemberRow(page, victim).Locator("td[data-field=reach]")).ToContainTextAsync("unreachable");
        await Assertions.Expect(MemberRow(page, nodes[1])).ToHaveAttributeAsync("data-alive", "true");

        // The endpoint behind it says the same, and the page still renders.
        var (status, body) = await TestHttp.GetJsonAsync($"{nodes[0].ApiUrl}/api/admin/cluster");
        Assert.Equal(HttpStatusCode.OK, status);
        var dead = body.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("groupcacheAddr").GetString() == victim.GcAddr);
        Assert.False(dead.GetProperty("reachable").GetBoolean());
        Assert.Equal(JsonValueKind.Null, dead.GetProperty("status").ValueKind);

        Assert.True(scriptErrors.Count == 0, "script errors: " + string.Join("\n", scriptErrors));
    }

    // Slash, space, percent, non-ASCII and dots: everything a careless URL would mangle.
    private const string OddKey = "dash/ä b%2F..?&#1";

    private static ILocator MemberRow(IPage page, CacheNode node) =>
        page.Locator($"#members tbody tr[data-gc=\"{node.GcAddr}\"]");

    private static Task WaitForPollsAsync(IPage page, int polls) =>
        page.WaitForFunctionAsync($"() => Number(document.body.dataset.polls || 0) >= {polls}");

    /// <summary>
    /// The page's main-cache hit ratio of <paramref name="node"/> equals hits / gets from its
    /// /api/admin/status. Read again until both agree, in case a last request was still counted.
    /// </summary>
    private static async Task AssertHitRatioAgreesAsync(IPage page, CacheNode node)
    {
        string expected = string.Empty;
        string shown = string.Empty;
        long gets = 0;
        var cell = MemberRow(page, node).Locator("td[data-field=mainHitRatio]");
        bool agreed = await TestHttp.EventuallyAsync(
            async () =>
            {
                var main = (await node.StatusAsync()).GetProperty("group").GetProperty("mainCache");
                long hits = main.GetProperty("hits").GetInt64();
                gets = main.GetProperty("gets").GetInt64();
                expected = (100.0 * hits / gets).ToString("F1", CultureInfo.InvariantCulture) + " %";
                shown = await cell.InnerTextAsync();
                return shown == expected;
            },
            PageWait,
            TimeSpan.FromMilliseconds(500));
        Assert.True(gets > 100, $"{node.Name} saw only {gets} main-cache gets");
        Assert.True(agreed, $"{node.Name}: the page shows a main hit ratio of '{shown}', /api/admin/status gives {expected}");
    }

    private static double Percent(string text) =>
        double.Parse(text.Replace("%", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);

    private static Dictionary<string, double> ExpectedShares(IReadOnlyList<CacheNode> nodes)
    {
        var ring = new HashRing(HttpPoolOptions.DefaultReplicas);
        ring.Add([.. nodes.Select(n => n.GcAddr).Order(StringComparer.Ordinal)]);
        return ring.OwnedHashes().ToDictionary(p => p.Key, p => p.Value / 4294967296.0, StringComparer.Ordinal);
    }

    private static string OwnerOf(IReadOnlyList<CacheNode> nodes, string key)
    {
        var ring = new HashRing(HttpPoolOptions.DefaultReplicas);
        ring.Add([.. nodes.Select(n => n.GcAddr).Order(StringComparer.Ordinal)]);
        return ring.Get(key)!;
    }

    /// <summary>
    /// Reads keys through every node (a skewed mix, so that some keys are hot) for at most
    /// <paramref name="duration"/> and 4,000 requests a second of it, while <paramref name="during"/>
    /// runs. Each worker pauses a moment between requests, so that the load lasts its whole span
    /// instead of spending its count in the first seconds.
    /// </summary>
    private static async Task RunLoadAsync(IReadOnlyList<CacheNode> nodes, IReadOnlyList<string> keys, TimeSpan duration, Func<Task> during)
    {
        using var stop = new CancellationTokenSource(duration);
        int sent = 0;
        int maxRequests = (int)(4000 * duration.TotalSeconds);
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested && Interlocked.Increment(ref sent) <= maxRequests)
            {
                // Squaring a uniform number favours the first keys: a few hot, a long cold tail.
                double u = random.NextDouble();
                string key = keys[(int)(u * u * keys.Count)];
                var node = nodes[random.Next(nodes.Count)];
                try
                {
                    using var response = await TestHttp.Client.GetAsync(new Uri($"{node.ApiUrl}/api/data/{Uri.EscapeDataString(key)}"), stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }

                await Task.Delay(1, CancellationToken.None);
            }
        })).ToArray();
        try
        {
            await during();
        }
        finally
        {
            await Task.WhenAll(workers);
        }
    }

    /// <summary>
    /// The page under load, for the docs, on a laptop's screen and a phone's: always next to the
    /// test binaries, and also at DASHBOARD_SCREENSHOT (and its "-phone" twin) when that is set;
    /// docs/img/dashboard.png is made that way.
    /// </summary>
    private async Task SaveScreenshotsAsync(IPage page)
    {
        string? wanted = Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOT");
        byte[] laptop = await page.ScreenshotAsync(new() { FullPage = true });
        await page.SetViewportSizeAsync(390, 844);
        await WaitForPollsAsync(page, await PollsAsync(page) + 1); // re-rendered at the phone's width
        byte[] phone = await page.ScreenshotAsync(new() { FullPage = true });
        await page.SetViewportSizeAsync(1366, 900);
        foreach (var (png, suffix) in new[] { (laptop, string.Empty), (phone, "-phone") })
        {
            var paths = new List<string> { Path.Combine(AppContext.BaseDirectory, $"dashboard{suffix}.png") };
            if (!string.IsNullOrEmpty(wanted))
            {
                paths.Add(Path.Combine(Path.GetDirectoryName(wanted)!, Path.GetFileNameWithoutExtension(wanted) + suffix + ".png"));
            }

            foreach (string path in paths)
            {
                await File.WriteAllBytesAsync(path, png);
                output.WriteLine($"screenshot: {path}");
            }
        }
    }

    private static async Task<int> PollsAsync(IPage page) =>
        await page.EvaluateAsync<int>("() => Number(document.body.dataset.polls || 0)");
}
