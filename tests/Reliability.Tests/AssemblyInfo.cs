// Every test starts real processes and measures them under load on a small machine: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
