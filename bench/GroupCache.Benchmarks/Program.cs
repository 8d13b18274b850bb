using BenchmarkDotNet.Running;
using GroupCache.Benchmarks;

// Run by hand, not in CI:  dotnet run -c Release --project bench/GroupCache.Benchmarks -- --filter '*'
// The millions-of-entries probe:  dotnet run -c Release --project bench/GroupCache.Benchmarks -- store-probe 1000000 5000000
if (args.Length > 0 && args[0] == "store-probe")
{
    StoreProbe.Run(args.Skip(1));
}
else
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
