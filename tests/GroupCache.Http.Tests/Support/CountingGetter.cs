using System.Collections.Concurrent;

namespace GroupCache.Http.Tests.Support;

/// <summary>A getter that counts its calls per key and answers with <see cref="SyntheticValues"/> (or a custom load).</summary>
internal sealed class CountingGetter(Func<string, CancellationToken, ValueTask<ByteView>>? load = null) : IGetter
{
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly Func<string, CancellationToken, ValueTask<ByteView>> _load = load ?? ((key, _) => ValueTask.FromResult(SyntheticValues.For(key)));
    private int _total;

    public int Total => Volatile.Read(ref _total);

    public int CallsFor(string key) => _calls.TryGetValue(key, out int n) ? n : 0;

    public ValueTask<ByteView> GetAsync(string key, CancellationToken cancellationToken)
    {
        _calls.AddOrUpdate(key, 1, (_, n) => n + 1);
        Interlocked.Increment(ref _total);
        return _load(key, cancellationToken);
    }
}
