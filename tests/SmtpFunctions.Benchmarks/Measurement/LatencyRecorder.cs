namespace SmtpFunctions.Benchmarks.Measurement;

/// <summary>Collects per-operation latencies from concurrent workers and reports percentiles.</summary>
public sealed class LatencyRecorder
{
    private readonly List<double> _milliseconds = [];

    /// <summary>Records one latency.</summary>
    public void Add(TimeSpan elapsed)
    {
        lock (_milliseconds)
        {
            _milliseconds.Add(elapsed.TotalMilliseconds);
        }
    }

    /// <summary>The p-th percentile (0–100) in milliseconds.</summary>
    public double Percentile(double p)
    {
        lock (_milliseconds)
        {
            if (_milliseconds.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _milliseconds.Order().ToArray();
            var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
            return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
        }
    }
}
