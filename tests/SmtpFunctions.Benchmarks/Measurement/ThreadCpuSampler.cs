namespace SmtpFunctions.Benchmarks.Measurement;

/// <summary>
/// CPU used by some threads of another process (by name, such as <see cref="ProcessCpu.JitThread"/>) between start and
/// <see cref="StopAsync"/>. Polled, because the runtime ends its background JIT thread when it is idle and starts a new one
/// later: a thread gone by the end would otherwise take its CPU with it.
/// </summary>
public sealed class ThreadCpuSampler
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    private readonly Dictionary<int, (long First, long Last)> _threads = [];
    private readonly int _pid;
    private readonly string _threadName;
    private readonly TaskCompletionSource _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _polling;

    private ThreadCpuSampler(int pid, string threadName)
    {
        _pid = pid;
        _threadName = threadName;
        Sample(initial: true);
        _polling = PollAsync();
    }

    /// <summary>Starts sampling the threads of <paramref name="pid"/> named <paramref name="threadName"/>….</summary>
    public static ThreadCpuSampler Start(int pid, string threadName) => new(pid, threadName);

    /// <summary>Stops and returns the CPU those threads used meanwhile (what a thread used in its last 50 ms may be missed).</summary>
    public async Task<TimeSpan> StopAsync()
    {
        _stop.TrySetResult();
        await _polling;
        Sample(initial: false);
        return ProcessCpu.FromTicks(_threads.Values.Sum(t => t.Last - t.First));
    }

    private async Task PollAsync()
    {
        while (await Task.WhenAny(Task.Delay(Interval), _stop.Task) != _stop.Task)
        {
            Sample(initial: false);
        }
    }

    private void Sample(bool initial)
    {
        foreach (var (tid, ticks) in ProcessCpu.ThreadTicks(_pid, _threadName))
        {
            // A thread first seen after the start began within the window: all of its time counts.
            _threads[tid] = _threads.TryGetValue(tid, out var seen) ? (seen.First, ticks) : (initial ? ticks : 0, ticks);
        }
    }
}
