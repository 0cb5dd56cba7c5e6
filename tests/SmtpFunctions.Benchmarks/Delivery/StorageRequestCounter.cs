using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace SmtpFunctions.Benchmarks.Delivery;

/// <summary>
/// Counts the HTTP requests this process sends to each Azurite service, by method, from .NET's own
/// <c>System.Net.Http</c> metrics: how many storage round trips a delivered message costs, and how long they take.
/// </summary>
internal sealed class StorageRequestCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Service, string Method), long> _counts = new();
    private readonly ConcurrentDictionary<(string Service, string Method), double> _seconds = new();
    private readonly Dictionary<int, string> _services;

    public StorageRequestCounter(int blobPort, int queuePort, int tablePort)
    {
        _services = new Dictionary<int, string> { [blobPort] = "blob", [queuePort] = "queue", [tablePort] = "table" };
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.request.duration")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            string? service = null;
            var method = "?";
            foreach (var tag in tags)
            {
                if (tag.Key == "server.port" && tag.Value is int port)
                {
                    _services.TryGetValue(port, out service);
                }
                else if (tag.Key == "http.request.method")
                {
                    method = tag.Value as string ?? "?";
                }
            }

            if (service is not null)
            {
                _counts.AddOrUpdate((service, method), 1, (_, n) => n + 1);
                _seconds.AddOrUpdate((service, method), seconds, (_, sum) => sum + seconds);
            }
        });
        _listener.Start();
    }

    /// <summary>Requests so far, by service and method.</summary>
    public IReadOnlyDictionary<(string Service, string Method), long> Snapshot() => new Dictionary<(string, string), long>(_counts);

    /// <summary>Seconds spent waiting for those requests so far, by service and method.</summary>
    public IReadOnlyDictionary<(string Service, string Method), double> Seconds() => new Dictionary<(string, string), double>(_seconds);

    /// <summary>One line: mean latency in milliseconds by service and method between two pairs of snapshots.</summary>
    public static string MeanLatency(
        IReadOnlyDictionary<(string Service, string Method), long> countsBefore, IReadOnlyDictionary<(string Service, string Method), double> secondsBefore,
        IReadOnlyDictionary<(string Service, string Method), long> countsAfter, IReadOnlyDictionary<(string Service, string Method), double> secondsAfter) =>
        "mean storage latency, ms: " + string.Join(", ", LatencyParts(countsBefore, secondsBefore, countsAfter, secondsAfter, null));

    /// <summary>
    /// As <see cref="MeanLatency"/>, each kind followed by how many of it each of <paramref name="delivered"/> messages
    /// cost: "blob PUT 23.0 (1.00)".
    /// </summary>
    public static string MeanLatencyPerMessage(
        IReadOnlyDictionary<(string Service, string Method), long> countsBefore, IReadOnlyDictionary<(string Service, string Method), double> secondsBefore,
        IReadOnlyDictionary<(string Service, string Method), long> countsAfter, IReadOnlyDictionary<(string Service, string Method), double> secondsAfter,
        long delivered) =>
        string.Join("  ", LatencyParts(countsBefore, secondsBefore, countsAfter, secondsAfter, delivered));

    private static IEnumerable<string> LatencyParts(
        IReadOnlyDictionary<(string Service, string Method), long> countsBefore, IReadOnlyDictionary<(string Service, string Method), double> secondsBefore,
        IReadOnlyDictionary<(string Service, string Method), long> countsAfter, IReadOnlyDictionary<(string Service, string Method), double> secondsAfter,
        long? delivered) =>
        countsAfter
            .Select(kv => (kv.Key, Count: kv.Value - countsBefore.GetValueOrDefault(kv.Key), Seconds: secondsAfter.GetValueOrDefault(kv.Key) - secondsBefore.GetValueOrDefault(kv.Key)))
            .Where(x => x.Count > 0)
            .OrderBy(x => x.Key.Service, StringComparer.Ordinal).ThenBy(x => x.Key.Method, StringComparer.Ordinal)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Key.Service} {x.Key.Method} {1000 * x.Seconds / x.Count:F1}")
                + (delivered is { } n ? string.Create(CultureInfo.InvariantCulture, $" ({(double)x.Count / n:F2})") : ""));

    /// <summary>One line: requests per message by service and method between two snapshots.</summary>
    public static string PerMessage(IReadOnlyDictionary<(string Service, string Method), long> before, IReadOnlyDictionary<(string Service, string Method), long> after, int messages)
    {
        var parts = after
            .Select(kv => (kv.Key, Count: kv.Value - before.GetValueOrDefault(kv.Key)))
            .Where(x => x.Count > 0)
            .OrderBy(x => x.Key.Service, StringComparer.Ordinal).ThenBy(x => x.Key.Method, StringComparer.Ordinal)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Key.Service} {x.Key.Method} {(double)x.Count / messages:F2}"))
            .ToList();
        var total = after.Sum(kv => kv.Value - before.GetValueOrDefault(kv.Key));
        return string.Create(CultureInfo.InvariantCulture, $"{(double)total / messages:F2} storage requests per message ({string.Join(", ", parts)})");
    }

    public void Dispose() => _listener.Dispose();
}
