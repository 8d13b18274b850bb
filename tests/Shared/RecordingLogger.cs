using Microsoft.Extensions.Logging;

namespace TestLogging;

/// <summary>
/// Keeps every log entry, for tests that assert what was (or was not) logged. One file, compiled
/// into each test project that needs it (a &lt;Compile Include&gt; link); safe to log to from
/// several threads.
/// </summary>
internal class RecordingLogger : ILogger
{
    private readonly List<LogEntry> _entries = [];

    /// <summary>A copy of the entries so far, oldest first.</summary>
    public IReadOnlyList<LogEntry> Entries
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
        var entry = new LogEntry(logLevel, eventId.Id, formatter(state, exception), values.ToDictionary(v => v.Key, v => v.Value), exception);
        lock (_entries)
        {
            _entries.Add(entry);
        }
    }
}

/// <summary>A <see cref="RecordingLogger"/> for code that asks for an <see cref="ILogger{TCategoryName}"/>.</summary>
internal sealed class RecordingLogger<T> : RecordingLogger, ILogger<T>;

/// <summary>One logged entry: its level, event id, formatted message, named values and exception.</summary>
internal sealed record LogEntry(LogLevel Level, int EventId, string Message, IReadOnlyDictionary<string, object?> Values, Exception? Exception);
