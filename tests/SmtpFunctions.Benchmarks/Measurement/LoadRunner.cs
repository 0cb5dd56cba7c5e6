using System.Diagnostics;

namespace SmtpFunctions.Benchmarks.Measurement;

/// <summary>Runs N operations with C concurrent workers, back to back or at a set rate, and measures throughput and latency.</summary>
public static class LoadRunner
{
    /// <summary>The outcome of a run.</summary>
    public sealed record Result(int Operations, int Failures, TimeSpan Elapsed, LatencyRecorder Latency)
    {
        /// <summary>Successful operations per second.</summary>
        public double PerSecond => (Operations - Failures) / Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Runs <paramref name="operation"/> (given its index) <paramref name="count"/> times on <paramref name="concurrency"/>
    /// workers: back to back (closed loop, the most the workers can get through), or, with <paramref name="perSecond"/>,
    /// each due at start + index / rate (paced, the load of that many clients sending at that rate).
    /// </summary>
    /// <remarks>
    /// A paced operation's latency counts from when it was due, not from when a worker got to it: when every worker is
    /// busy, the wait is what a client sending at that rate would see (timed from the start only, a saturated run would
    /// hide its queue behind the workers' backlog). Task.Delay wakes up to a millisecond late, which counts against us.
    /// </remarks>
    public static async Task<Result> RunAsync(int count, int concurrency, Func<int, CancellationToken, Task<bool>> operation, CancellationToken cancellationToken, double? perSecond = null)
    {
        if (perSecond is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(perSecond), perSecond, "A paced run needs a rate above 0.");
        }

        var next = -1;
        var failures = 0;
        var latency = new LatencyRecorder();
        var start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count && !cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                if (perSecond is { } rate)
                {
                    var due = start + (long)(index / rate * Stopwatch.Frequency);
                    if (due > started)
                    {
                        await Task.Delay(Stopwatch.GetElapsedTime(started, due), cancellationToken);
                    }

                    started = due;
                }

                var ok = await operation(index, cancellationToken);
                latency.Add(Stopwatch.GetElapsedTime(started));
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        await Task.WhenAll(workers);
        return new Result(count, failures, Stopwatch.GetElapsedTime(start), latency);
    }
}
