using System.Globalization;
using SmtpFunctions.Testing.Postfix;

namespace SmtpFunctions.Benchmarks.Delivery;

/// <summary>
/// Azurite's and our CPU per delivered message in tenths of the run (0–1,000, 1,000–2,000 … for 10,000 messages): shows
/// whether the cost per message stays flat as the tables grow, which it did not while status RowKeys were shared.
/// </summary>
internal sealed class CpuSegments(int messages, Func<TimeSpan>? azuriteCpu, SmtpSink? sink)
{
    private readonly int _size = Math.Max(100, messages / 10);
    private readonly List<(long Delivered, TimeSpan Azurite, TimeSpan Ours, TimeSpan Sink, DateTime At)> _samples = [];

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
    }

    private static TimeSpan ProcessCpu() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
}
