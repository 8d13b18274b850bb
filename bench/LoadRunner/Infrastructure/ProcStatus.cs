using System.Globalization;

namespace LoadRunner.Infrastructure;

/// <summary>Reads a process's memory figures from /proc (Linux only), in bytes.</summary>
public static class ProcStatus
{
    /// <summary>VmRSS: resident set size.</summary>
    public static long ResidentBytes(int pid) => Field(pid, "VmRSS:");

    /// <summary>VmHWM: peak resident set size.</summary>
    public static long PeakResidentBytes(int pid) => Field(pid, "VmHWM:");

    private static long Field(int pid, string name)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                // "VmRSS:	  123456 kB"
                string[] parts = line[name.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no {name}");
    }
}
