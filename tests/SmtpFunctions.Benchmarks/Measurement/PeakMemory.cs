using System.Globalization;

namespace SmtpFunctions.Benchmarks.Measurement;

/// <summary>Resident memory of a process as the kernel reports it (<c>/proc/PID/status</c>), for peak-RSS figures.</summary>
public static class PeakMemory
{
    /// <summary>The highest resident set size the process has had so far (VmHWM), in bytes.</summary>
    public static long PeakOf(int pid) => Read(pid, "VmHWM:");

    /// <summary>The resident set size now (VmRSS), in bytes.</summary>
    public static long CurrentOf(int pid) => Read(pid, "VmRSS:");

    /// <summary>Bytes as MiB for printing.</summary>
    public static double Mib(long bytes) => bytes / (1024.0 * 1024.0);

    private static long Read(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kib = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no {field}");
    }
}
