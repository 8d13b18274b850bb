using System.Globalization;

namespace LoadRunner.Infrastructure;

/// <summary>
/// CPU figures from /proc. The machine is shared, so each measurement records how busy it was just
/// before (nothing of ours under load then), and how much CPU the servers under test used per request:
/// a figure that other load disturbs far less than req/s.
/// </summary>
public static class CpuMeter
{
    public const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>
    /// Percent of all cores kept busy over <paramref name="interval"/> by processes that are not this
    /// runner or its children: other people's work on the shared machine.
    /// </summary>
    public static async Task<double> ForeignBusyPercentAsync(TimeSpan interval)
    {
        int[] ours = [Environment.ProcessId, .. ChildProcess.LivePids()];
        var (busy0, total0) = Totals();
        double ours0 = ProcessesSeconds(ours);
        await Task.Delay(interval).ConfigureAwait(false);
        var (busy1, total1) = Totals();
        double oursTicks = (ProcessesSeconds(ours) - ours0) * TicksPerSecond;
        return total1 == total0 ? 0 : Math.Max(0, 100.0 * (busy1 - busy0 - oursTicks) / (total1 - total0));
    }

    /// <summary>User plus system CPU seconds the process has used so far; 0 if it is gone.</summary>
    public static double ProcessSeconds(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may hold spaces; fields are counted after ')'.
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // f[0] is field 3 (state); utime is field 14, stime field 15.
            return (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public static double ProcessesSeconds(IEnumerable<int> pids) => pids.Sum(ProcessSeconds);

    /// <summary>The 1-minute load average.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>
    /// Machine-wide process time (user + nice + system) and total CPU ticks since boot. Interrupt and
    /// softirq time is left out of "busy": loopback networking runs there, and no process is charged
    /// for it, so counting it would make our own traffic look like other people's work.
    /// </summary>
    public static (long Busy, long Total) Totals()
    {
        string line = File.ReadLines("/proc/stat").First();
        long[] v = [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => long.Parse(s, CultureInfo.InvariantCulture))];
        long busy = v[0] + v[1] + v[2]; // user nice system
        long total = v.Take(8).Sum(); // user nice system idle iowait irq softirq steal
        return (busy, total);
    }
}
