using CacheApp.Tests.Support;
using Xunit.Abstractions;

namespace CacheApp.Tests.Freshness;

/// <summary>
/// After a write was answered, no read through any node that started after the answer returns an older
/// value: for writes through a cache node, and for writes at the source (whose -notify waits for the
/// nodes). Figures are in docs/RELIABILITY.md.
/// </summary>
public class ReadYourWritesTests(NotifyClusterFixture fixture, ITestOutputHelper output) : IClassFixture<NotifyClusterFixture>
{
    private const int Keys = 4;
    private const int ReadersPerNode = 4;
    private const int TargetReads = 12_000;
    private const int MinimumReads = 10_000;
    private const int TargetWrites = 300;
    private const int MinimumWrites = 100;
    private static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(40);

    private FreshnessCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task WritesThroughANode_NoReadStartedAfterTheAnswerSeesAnOlderValue()
    {
        var nodes = Cluster.Nodes;
        var checker = new ReadYourWritesChecker(
            KeyNames("ryw-node"),
            (k, n) => Freshness.DataUrl(nodes[(int)((k + n) % nodes.Count)].ApiUrl, $"ryw-node/{k}"),
            [.. nodes.Select(node => node.ApiUrl)]);

        await RunAndAssertAsync(checker, "through a node");
    }

    [Fact]
    public async Task WritesAtTheSource_NoReadStartedAfterTheAnswerSeesAnOlderValue()
    {
        var checker = new ReadYourWritesChecker(
            KeyNames("ryw-source"),
            (k, _) => Freshness.DataUrl(Cluster.SourceUrl, $"ryw-source/{k}"),
            [.. Cluster.Nodes.Select(node => node.ApiUrl)]);

        await RunAndAssertAsync(checker, "at the source");
    }

    private static string[] KeyNames(string prefix) => [.. Enumerable.Range(0, Keys).Select(k => $"{prefix}/{k}")];

    private async Task RunAndAssertAsync(ReadYourWritesChecker checker, string path)
    {
        var figures = await checker.RunAsync(ReadersPerNode, TargetReads, TargetWrites, MaxDuration);
        output.WriteLine($"read-your-writes, writes {path}: {figures}");

        Assert.True(figures.CheckedReads >= MinimumReads, $"only {figures}{Environment.NewLine}{Cluster.Describe()}");
        Assert.True(figures.Writes >= MinimumWrites, $"only {figures}");
        Assert.True(figures.StaleReads == 0, $"{figures}{Environment.NewLine}{Cluster.Describe()}");
    }
}
