using System.Diagnostics;
using System.Globalization;

namespace SmtpFunctions.Benchmarks.Measurement;

/// <summary>CPU time (user + system) consumed by processes, read from the kernel, for CPU-per-message figures.</summary>
public static class ProcessCpu
{
    /// <summary>Linux reports times in <c>/proc</c> in USER_HZ ticks, which is 100 on every architecture.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Name the .NET runtime gives its background JIT thread (tiered compilation).</summary>
    public const string JitThread = ".NET Tiered Com";

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

    /// <summary>CPU ticks so far of each live thread of <paramref name="pid"/> whose name starts with <paramref name="threadName"/>, by thread id.</summary>
    internal static Dictionary<int, long> ThreadTicks(int pid, string threadName)
    {
        var result = new Dictionary<int, long>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(task, "stat"));
                }
                catch (IOException)
                {
                    continue; // the thread ended meanwhile
                }

                // "tid (comm) S …": the name may hold spaces, so fields are counted after the last ')'.
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                if (!stat[(open + 1)..close].StartsWith(threadName, StringComparison.Ordinal))
                {
                    continue;
                }

                var fields = stat[(close + 2)..].Split(' ');
                result[int.Parse(stat[..open], CultureInfo.InvariantCulture)] =
                    long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
        }
        catch (DirectoryNotFoundException)
        {
        }

        return result;
    }

    /// <summary>Converts kernel ticks to time.</summary>
    internal static TimeSpan FromTicks(long ticks) => TimeSpan.FromSeconds(ticks / TicksPerSecond);
}
