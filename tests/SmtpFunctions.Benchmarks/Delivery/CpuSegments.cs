using System.Globalization;
using SmtpFunctions.Testing.Postfix;

namespace SmtpFunctions.Benchmarks.Delivery;

/// <summary>
/// Azurite's and our CPU per delivered message in tenths of the run (0–1,000, 1,000–2,000 … for 10,000 messages): shows
/// whether the cost per message stays flat as the tables grow, which it did not while status RowKeys were shared. With
/// <paramref name="requests"/>, each tenth also gets the mean latency of each kind of storage request: which of
/// Azurite's services slows as what it holds grows.
/// </summary>
internal sealed class CpuSegments(int messages, Func<TimeSpan>? azuriteCpu, SmtpSink? sink, StorageRequestCounter? requests = null)
{
    private readonly int _size = Math.Max(100, messages / 10);
    private readonly List<(long Delivered, TimeSpan Azurite, TimeSpan Ours, TimeSpan Sink, DateTime At)> _samples = [];
    private readonly List<(IReadOnlyDictionary<(string Service, string Method), long> Counts, IReadOnlyDictionary<(string Service, string Method), double> Seconds)> _requests = [];

    /// <summary>Samples CPU when delivery crossed the next segment boundary (or always, with <paramref name="force"/>).</summary>
    public void Sample(long delivered, bool force = false)
    {
        if (azuriteCpu is null)
        {
            return;
        }

        if (_samples.Count == 0 || force || delivered >= _samples[^1].Delivered + _size)
        {
            var sinkCpu = sink is null ? TimeSpan.Zero : DeliverBenchmark.SinkCpu(sink);
            _samples.Add((delivered, azuriteCpu(), ProcessCpu(), sinkCpu, DateTime.UtcNow));
            if (requests is not null)
            {
                _requests.Add((requests.Snapshot(), requests.Seconds()));
            }
        }
    }

    /// <summary>The last segment's Azurite CPU per message, for the progress line.</summary>
    public string Latest()
    {
        if (_samples.Count < 2)
        {
            return "";
        }

        var (a, b) = (_samples[^2], _samples[^1]);
        var n = Math.Max(1, b.Delivered - a.Delivered);
        return string.Create(CultureInfo.InvariantCulture, $", azurite {(b.Azurite - a.Azurite).TotalMilliseconds / n:F1} cpu-ms/msg over the last {n}");
    }

    /// <summary>Prints one line per segment.</summary>
    public void Print()
    {
        if (_samples.Count < 2)
        {
            return;
        }

        Console.WriteLine("  cpu-ms per delivered message as the tables grow (azurite / ours / smtp-sink, and the rate):");
        for (var i = 1; i < _samples.Count; i++)
        {
            var (a, b) = (_samples[i - 1], _samples[i]);
            var n = b.Delivered - a.Delivered;
            if (n <= 0)
            {
                continue;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {a.Delivered,6}–{b.Delivered,-6} azurite {(b.Azurite - a.Azurite).TotalMilliseconds / n,6:F2}  ours {(b.Ours - a.Ours).TotalMilliseconds / n,6:F2}  sink {(b.Sink - a.Sink).TotalMilliseconds / n,5:F2}  {n / Math.Max((b.At - a.At).TotalSeconds, 0.001),6:F0} msg/s"));
        }

        if (_requests.Count == _samples.Count)
        {
            Console.WriteLine("  mean storage latency by request, ms, in the same tenths (and requests per delivered message in each):");
            for (var i = 1; i < _requests.Count; i++)
            {
                var n = _samples[i].Delivered - _samples[i - 1].Delivered;
                if (n > 0)
                {
                    Console.WriteLine($"    {_samples[i - 1].Delivered,6}–{_samples[i].Delivered,-6} {StorageRequestCounter.MeanLatencyPerMessage(_requests[i - 1].Counts, _requests[i - 1].Seconds, _requests[i].Counts, _requests[i].Seconds, n)}");
                }
            }
        }
    }

    private static TimeSpan ProcessCpu() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
}
