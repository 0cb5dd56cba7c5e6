using System.Diagnostics;

namespace SmtpFunctions.Benchmarks.Measurement;

/// <summary>CPU time (user + system) consumed by processes, read from the kernel, for CPU-per-message figures.</summary>
public static class ProcessCpu
{
    /// <summary>CPU time of one process so far (zero if it is gone).</summary>
    public static TimeSpan Of(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (ArgumentException)
        {
            return TimeSpan.Zero;
        }
    }

    /// <summary>CPU time of several processes so far.</summary>
    public static TimeSpan Of(IEnumerable<int> pids) => pids.Aggregate(TimeSpan.Zero, (sum, pid) => sum + Of(pid));
}
