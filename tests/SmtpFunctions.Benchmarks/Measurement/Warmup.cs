using System.Globalization;

namespace SmtpFunctions.Benchmarks.Measurement;

/// <summary>
/// Warms a host up until its background JIT is quiet, so that the measured run sees the steady state a long-running
/// host is in, not the first seconds of tiered compilation (which were measured to be half the CPU of a short run).
/// </summary>
public static class Warmup
{
    /// <summary>A round counts as quiet when the JIT thread used less than this share of the host's CPU.</summary>
    private const double QuietJitShare = 0.03;

    /// <summary>
    /// Runs <paramref name="round"/> (one batch of <paramref name="batch"/> operations) until the JIT thread of
    /// <paramref name="pid"/> is quiet or <paramref name="maxRounds"/> rounds were run; returns the operations run.
    /// </summary>
    public static async Task<int> UntilJitQuietAsync(int pid, int batch, int maxRounds, Func<int, Task> round)
    {
        ArgumentNullException.ThrowIfNull(round);
        var total = 0;
        for (var i = 0; i < maxRounds; i++)
        {
            var cpu = ProcessCpu.Of(pid);
            var sampler = ThreadCpuSampler.Start(pid, ProcessCpu.JitThread);
            await round(batch);
            total += batch;
            var jit = await sampler.StopAsync();
            cpu = ProcessCpu.Of(pid) - cpu;
            var share = cpu > TimeSpan.Zero ? jit / cpu : 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  warm-up round {i + 1}: {batch} operations, background JIT {share:P0} of the host's CPU"));
            if (share < QuietJitShare)
            {
                break;
            }
        }

        return total;
    }
}
