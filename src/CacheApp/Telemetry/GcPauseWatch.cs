using System.Diagnostics;

namespace CacheApp.Telemetry;

/// <summary>
/// The longest GC pause of the last ten seconds, for /api/admin/status. The runtime reports the total
/// pause time (and the latest collection's), not the longest, so a background thread reads the total
/// every 10 ms and keeps the largest step in each 100 ms slot of a ten-second ring. Pauses that fall
/// into one 10 ms step add up, so the figure is an upper bound of the longest single pause.
/// </summary>
internal sealed class GcPauseWatch : IDisposable
{
    private const int StepMs = 10;
    private const int SlotMs = 100;
    private const int Slots = 100; // 100 x 100 ms: ten seconds

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new(); // guards both arrays
    private readonly double[] _slotMax = new double[Slots];
    private readonly long[] _slotNumber = new long[Slots];
    private readonly Thread _thread;
    private volatile bool _stopped;

    public GcPauseWatch()
    {
        Array.Fill(_slotNumber, -1);
        _thread = new Thread(Run) { IsBackground = true, Name = "GC pause watch" };
        _thread.Start();
    }

    /// <summary>The longest pause (ms) seen in the last ten seconds; 0 when there was none.</summary>
    public double MaxLastTenSecondsMs
    {
        get
        {
            long current = _clock.ElapsedMilliseconds / SlotMs;
            double max = 0;
            lock (_lock)
            {
                for (int i = 0; i < Slots; i++)
                {
                    if (_slotNumber[i] > current - Slots && _slotMax[i] > max)
                    {
                        max = _slotMax[i];
                    }
                }
            }

            return max;
        }
    }

    public void Dispose() => _stopped = true;

    private void Run()
    {
        var last = GC.GetTotalPauseDuration();
        while (!_stopped)
        {
            Thread.Sleep(StepMs);
            var total = GC.GetTotalPauseDuration();
            double step = (total - last).TotalMilliseconds;
            last = total;
            if (step > 0)
            {
                Record(_clock.ElapsedMilliseconds / SlotMs, step);
            }
        }
    }

    private void Record(long slot, double pauseMs)
    {
        int i = (int)(slot % Slots);
        lock (_lock)
        {
            if (_slotNumber[i] != slot)
            {
                _slotNumber[i] = slot;
                _slotMax[i] = 0;
            }

            _slotMax[i] = Math.Max(_slotMax[i], pauseMs);
        }
    }
}
