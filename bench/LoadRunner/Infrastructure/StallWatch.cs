using System.Diagnostics;
using System.Globalization;

namespace LoadRunner.Infrastructure;

/// <summary>
/// Tells a pause of the whole machine from a pause of the server under test. A thread of the runner
/// that does nothing but sleep 1 ms at a time records the longest time it was kept from running, and
/// /proc/stat gives the time the hypervisor took the virtual CPUs away (steal). When wrk reports a
/// latency spike and this thread was also kept waiting that long, the spike was not the server's.
/// </summary>
public sealed class StallWatch : IDisposable
{
    private const double StallMs = 20;

    private readonly Thread _thread;
    private readonly long _stealBefore = StealTicks();
    private volatile bool _stop;
    private double _maxGapMs;
    private int _stalls;

    private StallWatch()
    {
        _thread = new Thread(Watch) { IsBackground = true, Name = "stall-watch" };
        _thread.Start();
    }

    public static StallWatch Start() => new();

    /// <summary>The longest time, in ms, the watching thread waited beyond its 1 ms sleep.</summary>
    public double MaxGapMs => _maxGapMs;

    /// <summary>How many times the watching thread was kept waiting more than 20 ms.</summary>
    public int Stalls => _stalls;

    /// <summary>CPU time the hypervisor took from this VM's CPUs since the start, in ms (all CPUs summed).</summary>
    public double StealMs => (StealTicks() - _stealBefore) * 1000.0 / CpuMeter.TicksPerSecond;

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }

    private void Watch()
    {
        var clock = Stopwatch.StartNew();
        double last = 0;
        while (!_stop)
        {
            Thread.Sleep(1);
            double now = clock.Elapsed.TotalMilliseconds;
            double gap = now - last - 1;
            last = now;
            if (gap > _maxGapMs)
            {
                _maxGapMs = gap;
            }

            if (gap > StallMs)
            {
                _stalls++;
            }
        }
    }

    private static long StealTicks()
    {
        string[] fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 8 ? long.Parse(fields[8], CultureInfo.InvariantCulture) : 0;
    }
}
