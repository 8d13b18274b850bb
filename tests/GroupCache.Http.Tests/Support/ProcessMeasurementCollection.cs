namespace GroupCache.Http.Tests.Support;

/// <summary>Tests that measure the whole process (its heap, its open sockets) run alone, so that other tests do not count.</summary>
[CollectionDefinition(nameof(ProcessMeasurementCollection), DisableParallelization = true)]
public sealed class ProcessMeasurementCollection;
