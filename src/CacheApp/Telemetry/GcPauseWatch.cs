using System.Diagnostics;

namespace CacheApp.Telemetry;

/// <summary>
/// The longest GC pause of the last ten seconds, and which generation's collection it was, for
/// /api/admin/status. The runtime reports the total pause time and the latest collection, not the
/// longest, so a background thread looks every 10 ms and keeps the largest pause in each 100 ms slot
/// of a ten-second ring. When exactly one collection ended since its last look, that collection's
/// own pauses are exact; when several did, their pauses add up into one figure (an upper bound,
/// with generation -1).
/// </summary>
internal sealed class GcPauseWatch : IDisposable
{
    private const int StepMs = 10;
    private const int SlotMs = 100;
    private const int Slots = 100; // 100 x 100 ms: ten seconds

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new(); // guards the three arrays
    private readonly double[] _slotMax = new double[Slots];
    private readonly int[] _slotGeneration = new int[Slots];
    private readonly long[] _slotNumber = new long[Slots];
    private readonly Thread _thread;
    private volatile bool _stopped;

    public GcPauseWatch()
    {
        Array.Fill(_slotNumber, -1);
        _thread = new Thread(Run) { IsBackground = true, Name = "GC pause watch" };
        _thread.Start();
    }

    public void Dispose() => _stopped = true;

    /// <summary>
    /// The longest pause (ms) seen in the last ten seconds, 0 when there was none; and the generation
    /// its collection collected (0, 1 or 2), -1 when there was none or the pause adds up several.
    /// </summary>
    public (double Ms, int Generation) LongestLastTenSeconds()
    {
        long current = _clock.ElapsedMilliseconds / SlotMs;
        (double Ms, int Generation) longest = (0, -1);
        lock (_lock)
        {
            for (int i = 0; i < Slots; i++)
            {
                if (_slotNumber[i] > current - Slots && _slotMax[i] > longest.Ms)
                {
                    longest = (_slotMax[i], _slotGeneration[i]);
                }
            }
        }

        return longest;
    }

    private void Run()
    {
        var lastTotal = GC.GetTotalPauseDuration();
        long lastIndex = GC.GetGCMemoryInfo(GCKind.Any).Index;
        while (!_stopped)
        {
            Thread.Sleep(StepMs);
            var total = GC.GetTotalPauseDuration();
            double step = (total - lastTotal).TotalMilliseconds;
            lastTotal = total;
            if (step <= 0)
            {
                continue;
            }

            var latest = GC.GetGCMemoryInfo(GCKind.Any);
            (double Ms, int Generation) pause = (step, -1);
            if (latest.Index == lastIndex + 1)
            {
                // One collection: its longest pause (a background gen2 collection pauses twice).
                double longest = 0;
                foreach (var p in latest.PauseDurations)
                {
                    longest = Math.Max(longest, p.TotalMilliseconds);
                }

                pause = (longest, latest.Generation);
            }

            lastIndex = latest.Index;
            Record(_clock.ElapsedMilliseconds / SlotMs, pause);
        }
    }

    private void Record(long slot, (double Ms, int Generation) pause)
    {
        int i = (int)(slot % Slots);
        lock (_lock)
        {
            if (_slotNumber[i] != slot)
            {
                _slotNumber[i] = slot;
                _slotMax[i] = 0;
                _slotGeneration[i] = -1;
            }

            if (pause.Ms > _slotMax[i])
            {
                _slotMax[i] = pause.Ms;
                _slotGeneration[i] = pause.Generation;
            }
        }
    }
}
