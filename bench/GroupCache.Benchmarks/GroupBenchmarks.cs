using BenchmarkDotNet.Attributes;

namespace GroupCache.Benchmarks;

/// <summary>The hit path: what every cached request pays.</summary>
[MemoryDiagnoser]
public class GroupBenchmarks
{
    private readonly Group _group = new("bench", 64 << 20, new GetterFunc((key, _) => ValueTask.FromResult(ByteView.FromString("value-of-" + key))));
    private string[] _keys = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _keys = [.. Enumerable.Range(0, 1024).Select(i => "key-" + i)];
        foreach (string key in _keys)
        {
            _group.GetAsync(key).AsTask().GetAwaiter().GetResult();
        }
    }

    [Benchmark]
    public int GetAsync_Hit()
    {
        var task = _group.GetAsync(_keys[_next++ & 1023]);
        return task.Result.Length;
    }

    /// <summary>What a node pays to answer a peer's request for a key it holds.</summary>
    [Benchmark]
    public long GetForPeerAsync_Hit()
    {
        var task = _group.GetForPeerAsync(_keys[_next++ & 1023]);
        return task.Result.Value.Length;
    }
}
