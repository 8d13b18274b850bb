using BenchmarkDotNet.Attributes;
using GroupCache.Lru;

namespace GroupCache.Benchmarks;

/// <summary>The group's cache on its own: a hit, and an add that evicts (the miss path's share).</summary>
[MemoryDiagnoser]
public class ConcurrentLruBenchmarks
{
    private const int Keys = 65536;
    private readonly ByteView _value = new(new byte[100]);
    private readonly ConcurrentLru _cache = new();
    private string[] _keys = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _keys = [.. Enumerable.Range(0, Keys).Select(i => "key-" + i.ToString("D16", System.Globalization.CultureInfo.InvariantCulture))];
        foreach (string key in _keys)
        {
            _cache.Add(key, _value);
        }
    }

    [Benchmark]
    public int TryGet_Hit()
    {
        _cache.TryGet(_keys[_next++ & (Keys - 1)], out var value, out _);
        return value.Length;
    }

    /// <summary>Adds a key (replacing it if present) and evicts one entry, so the size stays put.</summary>
    [Benchmark]
    public bool Add_Evict()
    {
        _cache.Add(_keys[_next++ & (Keys - 1)], _value);
        return _cache.RemoveOldest();
    }
}
