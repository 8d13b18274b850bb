namespace LoadRunner.Systems;

/// <summary>How to start one node of a cluster.</summary>
/// <param name="CacheBytes">The group's cache budget (Go counts main + hot cache against it).</param>
public sealed record NodeSpec(long CacheBytes);
