using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace LoadRunner.Infrastructure;

/// <summary>
/// A Go node's GC pauses, read from the lines GODEBUG=gctrace=1 prints for each collection:
/// "gc 7 @1.234s 2%: 0.015+1.2+0.021 ms clock, ...". The first and third clock figures are the two
/// stop-the-world phases (sweep termination and mark termination); their sum is the pause.
/// </summary>
public sealed partial class GoGcTrace
{
    private readonly Lock _lock = new(); // guards _pauses
    private readonly List<(long Timestamp, double Ms)> _pauses = [];

    /// <summary>Starts collecting the pauses <paramref name="process"/> prints from now on.</summary>
    public static GoGcTrace Attach(ChildProcess process)
    {
        var trace = new GoGcTrace();
        process.OnOutputLine(trace.OnLine);
        return trace;
    }

    /// <summary>The pause of one gctrace line, in ms; null for any other line.</summary>
    public static double? PauseMs(string line)
    {
        var m = TraceLine().Match(line);
        if (!m.Success)
        {
            return null;
        }

        return double.Parse(m.Groups[1].ValueSpan, CultureInfo.InvariantCulture) + double.Parse(m.Groups[2].ValueSpan, CultureInfo.InvariantCulture);
    }

    /// <summary>Pauses that ended between two <see cref="Stopwatch.GetTimestamp"/> readings.</summary>
    public (double TotalMs, double MaxMs, int Count) Between(long from, long to)
    {
        lock (_lock)
        {
            var inside = _pauses.Where(p => p.Timestamp >= from && p.Timestamp <= to).Select(p => p.Ms).ToList();
            return (inside.Sum(), inside.DefaultIfEmpty(0).Max(), inside.Count);
        }
    }

    /// <summary>For tests: one line as if the process had printed it now.</summary>
    public void OnLine(string line)
    {
        if (PauseMs(line) is { } ms)
        {
            long now = Stopwatch.GetTimestamp();
            lock (_lock)
            {
                _pauses.Add((now, ms));
            }
        }
    }

    [GeneratedRegex(@"^gc \d+ @[0-9.]+s [0-9]+%: ([0-9.]+)\+[0-9.]+\+([0-9.]+) ms clock")]
    private static partial Regex TraceLine();
}
