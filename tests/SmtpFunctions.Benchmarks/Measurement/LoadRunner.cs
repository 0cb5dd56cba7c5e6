using System.Diagnostics;

namespace SmtpFunctions.Benchmarks.Measurement;

/// <summary>Runs N operations with C concurrent workers and measures throughput and latency.</summary>
public static class LoadRunner
{
    /// <summary>The outcome of a run.</summary>
    public sealed record Result(int Operations, int Failures, TimeSpan Elapsed, LatencyRecorder Latency)
    {
        /// <summary>Successful operations per second.</summary>
        public double PerSecond => (Operations - Failures) / Elapsed.TotalSeconds;
    }

    /// <summary>Runs <paramref name="operation"/> (given its index) <paramref name="count"/> times on <paramref name="concurrency"/> workers.</summary>
    public static async Task<Result> RunAsync(int count, int concurrency, Func<int, CancellationToken, Task<bool>> operation, CancellationToken cancellationToken)
    {
        var next = -1;
        var failures = 0;
        var latency = new LatencyRecorder();
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count && !cancellationToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                var ok = await operation(index, cancellationToken);
                latency.Add(Stopwatch.GetElapsedTime(started));
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        await Task.WhenAll(workers);
        return new Result(count, failures, stopwatch.Elapsed, latency);
    }
}
