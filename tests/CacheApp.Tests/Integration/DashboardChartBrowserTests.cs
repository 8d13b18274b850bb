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
        var page = await OpenAsync(host);

        await WaitForPollsAsync(page, 3);

        Assert.Equal("cluster 50", await page.Locator("figure[data-metric=loads] h3 .now").InnerTextAsync());
        Assert.Empty(_scriptErrors);
    }

    private async Task<IPage> OpenAsync(FakeDashboardHost host)
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

        var response = await page.GotoAsync(host.DashboardUrl);
        Assert.Equal(200, response?.Status);
        return page;
    }

    private static async Task<int> PollsAsync(IPage page) =>
        await page.EvaluateAsync<int>("() => Number(document.body.dataset.polls || 0)");

    /// <summary>Asked from here, in real time.</summary>
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
