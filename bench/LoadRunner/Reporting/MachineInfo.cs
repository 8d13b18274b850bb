using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LoadRunner.Reporting;

/// <summary>What the numbers were measured on.</summary>
public sealed record MachineInfo(string Cpu, int Cores, string Kernel, string DotNet, string Go, string Wrk)
{
    public static MachineInfo Read()
    {
        string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        string kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "unknown";
        return new MachineInfo(cpu, Environment.ProcessorCount, kernel, RuntimeInformation.FrameworkDescription,
            FirstLine("go", "version"), FirstLine("wrk", "-v"));
    }

    private static string FirstLine(string file, string arg)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, arg) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (p is null)
            {
                return "unknown";
            }

            string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not installed";
        }
    }
}
