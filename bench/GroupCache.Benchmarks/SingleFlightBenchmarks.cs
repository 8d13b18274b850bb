using BenchmarkDotNet.Attributes;
using GroupCache.SingleFlight;

namespace GroupCache.Benchmarks;

/// <summary>The cost singleflight adds to a miss, alone and with 16 overlapping callers.</summary>
[MemoryDiagnoser]
public class SingleFlightBenchmarks
{
    private static readonly Func<Task<int>> Immediate = () => Task.FromResult(1);
    private readonly FlightGroup<int> _flights = new();

    [Benchmark]
    public Task<int> DoAsync_Alone() => _flights.DoAsync("key", Immediate);

    [Benchmark]
    public async Task<int> DoAsync_SixteenOverlapping()
    {
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = new Task<int>[16];
        for (int i = 0; i < calls.Length; i++)
        {
            calls[i] = _flights.DoAsync("key", () => gate.Task);
        }

        gate.SetResult(1);
        int sum = 0;
        foreach (var call in calls)
        {
            sum += await call;
        }

        return sum;
    }
}
