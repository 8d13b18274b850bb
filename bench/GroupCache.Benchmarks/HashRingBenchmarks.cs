using BenchmarkDotNet.Attributes;
using GroupCache.ConsistentHash;

namespace GroupCache.Benchmarks;

/// <summary>Owner lookup: done on every miss, and by the services to route.</summary>
[MemoryDiagnoser]
public class HashRingBenchmarks
{
    private HashRing _ring = null!;
    private string[] _keys = [];
    private int _next;

    [Params(10)]
    public int Peers { get; set; }

    [Params(50)]
    public int Replicas { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _ring = new HashRing(Replicas);
        _ring.Add([.. Enumerable.Range(0, Peers).Select(i => $"http://127.0.0.1:{8081 + (2 * i)}")]);
        _keys = [.. Enumerable.Range(0, 1024).Select(i => "key-" + i)];
    }

    [Benchmark]
    public string? Get() => _ring.Get(_keys[_next++ & 1023]);
}
