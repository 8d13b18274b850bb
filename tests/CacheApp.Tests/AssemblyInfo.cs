// The integration tests start real processes on a small machine: one test class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
