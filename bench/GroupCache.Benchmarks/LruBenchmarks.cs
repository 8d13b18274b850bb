using BenchmarkDotNet.Attributes;
using GroupCache.Lru;

namespace GroupCache.Benchmarks;

[MemoryDiagnoser]
public class LruBenchmarks
{
    private readonly ByteView _value = ByteView.FromString(new string('x', 100));
    private LruCache _lru = null!;
    private string[] _keys = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _keys = [.. Enumerable.Range(0, 4096).Select(i => "key-" + i)];
        _lru = new LruCache(maxBytes: 2048 * 110); // about half the keys fit: adds evict
        foreach (string key in _keys)
        {
            _lru.Add(key, _value);
        }
    }

    [Benchmark]
    public bool TryGet() => _lru.TryGet(_keys[_next++ & 4095], out _);

    [Benchmark]
    public void Add() => _lru.Add(_keys[_next++ & 4095], _value);
}
