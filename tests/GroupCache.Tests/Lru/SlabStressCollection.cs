namespace GroupCache.Tests.Lru;

/// <summary>Stress tests that keep more threads busy than there are cores run alone, after the others.</summary>
[CollectionDefinition(nameof(SlabStressCollection), DisableParallelization = true)]
public sealed class SlabStressCollection;
