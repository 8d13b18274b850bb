using CacheApp.Tests.Support;
using Microsoft.Playwright;

namespace CacheApp.Tests.Integration;

/// <summary>
/// The dashboard's charts in Debian's Chromium (headless, driven by Playwright) over a scripted
/// <c>/api/admin/cluster</c> (<see cref="FakeDashboardHost"/>), so that every rate the page draws is
/// known exactly. Only what the page's script rendered is checked.
/// </summary>
public sealed class DashboardChartBrowserTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan PageWait = TimeSpan.FromSeconds(60);

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly List<string> _scriptErrors = [];

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: test.sh installs Debian's chromium");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>
    /// Not-found answers and source errors are loads from the source too (groupcache counts them in
    /// localLoadErrs, not localLoads): a storm of absent keys must not chart as no loads at all.
    /// </summary>
    [Fact]
    public async Task SourceLoads_CountFailedAndNotFoundLoadsToo()
    {
        await using var host = await FakeDashboardHost.StartAsync();
        var member = host.Add("http://127.0.0.1:9001");
        member.GetsPerAnswer = 50;
        member.LocalLoadsPerAnswer = 5;
        member.LocalLoadErrsPerAnswer = 45;
        var page = await OpenAsync(host, installClock: false);

        await WaitForPollsAsync(page, 3);

        Assert.Equal("cluster 50", await page.Locator("figure[data-metric=loads] h3 .now").InnerTextAsync());
        Assert.Empty(_scriptErrors);
    }

    /// <summary>
    /// A chart's scale is the largest value it draws: that of members still listed, within the five
    /// minutes shown. A member that left, or one still listed that stopped answering, must not keep
    /// its old spike in the scale (flattening every live line) until the page is reloaded.
    /// </summary>
    [Fact]
    public async Task Scale_ForgetsSpikesOfMembersThatLeftOrWentSilent_OnceOutOfTheWindow()
    {
        await using var host = await FakeDashboardHost.StartAsync();
        var steady = new[] { host.Add("http://127.0.0.1:9001"), host.Add("http://127.0.0.1:9002") };
        foreach (var member in steady)
        {
            member.GetsPerAnswer = 10;
            member.PeerLoadsPerAnswer = 1;
        }

        var leaver = host.Add("http://127.0.0.1:9003");
        leaver.GetsPerAnswer = 10_000;
        var silent = host.Add("http://127.0.0.1:9004");
        silent.PeerLoadsPerAnswer = 500;
        var page = await OpenAsync(host, installClock: true);

        await WaitForPollsAsync(page, 3);
        Assert.Equal("max 20,000", await MaxLabelAsync(page, "gets"));
        Assert.Equal("max 1,000", await MaxLabelAsync(page, "peerLoads"));

        host.Remove(leaver);
        silent.Reachable = false;
        await WaitForPollsAsync(page, await PollsAsync(page) + 1);

        // Past the window: every sample from before is off the charts.
        await page.Clock.FastForwardAsync("06:00");
        await WaitForPollsAsync(page, await PollsAsync(page) + 2);

        Assert.Equal("max 20", await MaxLabelAsync(page, "gets"));
        Assert.Equal("max 2.0", await MaxLabelAsync(page, "peerLoads"));
        Assert.Equal(0, await page.Locator($"#charts path[data-series=\"{leaver.GroupcacheAddr}\"]").CountAsync());
        Assert.Empty(_scriptErrors);
    }

    private async Task<IPage> OpenAsync(FakeDashboardHost host, bool installClock)
    {
        var page = await _browser!.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 900 } });
        page.PageError += (_, error) => _scriptErrors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                _scriptErrors.Add(message.Text);
            }
        };
        page.SetDefaultTimeout((float)PageWait.TotalMilliseconds);
        if (installClock)
        {
            // Time runs as usual until the test moves it on.
            await page.Clock.InstallAsync();
        }

        var response = await page.GotoAsync(host.DashboardUrl);
        Assert.Equal(200, response?.Status);
        return page;
    }

    private static Task<string> MaxLabelAsync(IPage page, string metric) =>
        page.Locator($"figure[data-metric={metric}] .axis span:nth-child(2)").InnerTextAsync();

    private static async Task<int> PollsAsync(IPage page) =>
        await page.EvaluateAsync<int>("() => Number(document.body.dataset.polls || 0)");

    /// <summary>Asked from here, in real time: the page's own timers may be the clock's.</summary>
    private static async Task WaitForPollsAsync(IPage page, int polls)
    {
        var deadline = DateTime.UtcNow + PageWait;
        while (await PollsAsync(page) < polls)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the page did not reach {polls} polls within {PageWait}");
            await Task.Delay(50);
        }
    }
}
