using BenchmarkDotNet.Running;

// Run by hand, not in CI:  dotnet run -c Release --project bench/GroupCache.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
