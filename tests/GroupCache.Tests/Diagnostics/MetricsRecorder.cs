using System.Diagnostics.Metrics;

namespace GroupCache.Tests.Diagnostics;

/// <summary>
/// A meter factory of the test's own, so that no other test's groups show up in its meter. Like the
/// host's, it hands out one meter per name.
/// </summary>
internal sealed class PrivateMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        lock (_meters)
        {
            var meter = _meters.Find(m => m.Name == options.Name);
            if (meter is null)
            {
                meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
                _meters.Add(meter);
            }

            return meter;
        }
    }

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}

/// <summary>One measurement: the instrument, its value and its tags.</summary>
internal sealed record Recorded(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

/// <summary>Listens to every instrument of one meter (the GroupCache meter of a test's own factory) and keeps what it sees.</summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<Recorded> _recorded = []; // guarded by itself

    public MetricsRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    /// <summary>
    /// Reads the observable instruments now and returns them by (instrument, tags), summed: on the
    /// shared meter, groups of the same name made by tests running at the same time each report.
    /// </summary>
    public Dictionary<string, double> Observe()
    {
        Clear();
        _listener.RecordObservableInstruments();
        lock (_recorded)
        {
            return _recorded.GroupBy(Key).ToDictionary(g => g.Key, g => g.Sum(r => r.Value));
        }
    }

    public IReadOnlyList<Recorded> All()
    {
        lock (_recorded)
        {
            return [.. _recorded];
        }
    }

    /// <summary>
    /// Waits, without holding a thread, until what was recorded satisfies <paramref name="condition"/>;
    /// false after <paramref name="timeout"/>. Measurements made as a load unwinds run on the thread
    /// pool, which a blocking wait would starve when many tests run at once.
    /// </summary>
    public async Task<bool> WaitUntilAsync(Func<IReadOnlyList<Recorded>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(All()))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    public void Clear()
    {
        lock (_recorded)
        {
            _recorded.Clear();
        }
    }

    public static string Key(Recorded r) =>
        r.Instrument + "{" + string.Join(",", r.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}")) + "}";

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        lock (_recorded)
        {
            _recorded.Add(new Recorded(instrument.Name, value, copy));
        }
    }
}
