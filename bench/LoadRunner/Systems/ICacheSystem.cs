namespace LoadRunner.Systems;

/// <summary>A cache implementation under test: starts rings of nodes on loopback and reads their stats.</summary>
public interface ICacheSystem
{
    /// <summary>"ours" or "go".</summary>
    string Name { get; }

    /// <summary>Starts one node per spec, all in one fixed ring, and waits until every node is healthy.</summary>
    Task<CacheCluster> StartAsync(string label, IReadOnlyList<NodeSpec> nodes);

    Task<NodeStats> StatsAsync(CacheNode node);

    /// <summary>The same system with its nodes loading from <paramref name="sourceUrl"/> (the scaling scenario's stub source).</summary>
    ICacheSystem WithSource(string sourceUrl);
}
