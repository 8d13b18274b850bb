namespace LoadRunner.Systems;

/// <summary>Nodes started together; disposing stops exactly those processes.</summary>
public sealed class CacheCluster(ICacheSystem system, IReadOnlyList<CacheNode> nodes) : IAsyncDisposable
{
    public ICacheSystem System { get; } = system;

    public IReadOnlyList<CacheNode> Nodes { get; } = nodes;

    /// <summary>The ring's names in the order every node was given them.</summary>
    public string[] Peers => [.. Nodes.Select(n => n.GroupCacheAddr)];

    public async Task<long> TotalSourceLoadsAsync()
    {
        long total = 0;
        foreach (var node in Nodes)
        {
            total += (await System.StatsAsync(node).ConfigureAwait(false)).SourceLoads;
        }

        return total;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            await node.Process.DisposeAsync().ConfigureAwait(false);
        }
    }
}
