namespace CacheApp.Tests.Support;

/// <summary>The same cluster for every test of a class (xunit class fixture).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private TestCluster? _cluster;

    internal TestCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    // These tests count source loads: a generous dead-after keeps a starved CI machine from
    // flapping the ring (and loading a key twice) in the middle of a count.
    public async Task InitializeAsync() =>
        _cluster = await TestCluster.StartAsync(3, new Dictionary<string, string> { ["MEMBER_DEAD_AFTER"] = "15s" });

    public Task DisposeAsync()
    {
        _cluster?.Dispose();
        return Task.CompletedTask;
    }
}
