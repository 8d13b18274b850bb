using Microsoft.Extensions.Logging;

namespace GroupCache.Tests;

/// <summary>Keeps every log entry: its event id, its named values and its exception.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly List<Entry> _entries = [];

    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
        lock (_entries)
        {
            _entries.Add(new Entry(eventId.Id, values.ToDictionary(v => v.Key, v => v.Value), exception));
        }
    }

    public sealed record Entry(int EventId, IReadOnlyDictionary<string, object?> Values, Exception? Exception);
}
