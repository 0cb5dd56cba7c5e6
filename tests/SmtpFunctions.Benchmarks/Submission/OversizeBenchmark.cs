using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using SmtpFunctions.Benchmarks.Measurement;

namespace SmtpFunctions.Benchmarks.Submission;

/// <summary>
/// What a hostile recipient list costs the HTTP door: CPU and time per refused 20,000-recipient request (JSON and raw
/// MIME), and per accepted request naming one address 10,000 times. Issue 11 measured 36.6 s of CPU per refused request.
/// </summary>
public sealed class OversizeBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "oversize";

    /// <inheritdoc />
    public string Description => "CPU per refused 20,000-recipient request and per 10,000-copies request on the HTTP door (--n 20 --recipients 20000 [--host DLL])";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var count = options.Number("n", 20);
        var recipients = options.Number("recipients", 20_000);
        var copies = options.Number("copies", 10_000);
        await using var host = await LocalHostUnderTest.StartAsync(options.Text("host"), connections: 1);
        Console.WriteLine($"oversize: {count} sequential requests per case against {options.Text("host") ?? "this build's local host"}, {Environment.ProcessorCount} cores (shared)");

        var distinct = Json(Enumerable.Range(0, recipients).Select(i => $"user{i}@example{i % 50}.net"));
        var repeated = Json(Enumerable.Repeat("bob@example.net", copies));
        var mime = Mime(Enumerable.Range(0, recipients).Select(i => $"user{i}@example{i % 50}.net"));
        var cases = new (string Label, byte[] Body, string ContentType)[]
        {
            ($"JSON, {recipients:N0} distinct recipients ({distinct.Length / 1024:N0} KB)", distinct, "application/json"),
            ($"raw MIME, {recipients:N0} in To: ({mime.Length / 1024:N0} KB)", mime, "message/rfc822"),
            ($"JSON, one address {copies:N0} times ({repeated.Length / 1024:N0} KB)", repeated, "application/json"),
        };

        // One of each first: JIT and first-use costs are not what is measured.
        foreach (var (_, body, contentType) in cases)
        {
            await host.PostAsync(body, contentType, cancellationToken);
        }

        Console.WriteLine();
        Console.WriteLine($"{"case",-52}{"status",8}{"CPU ms/req",12}{"p50 ms",10}{"max ms",10}");
        foreach (var (label, body, contentType) in cases)
        {
            var latency = new LatencyRecorder();
            var statuses = new HashSet<HttpStatusCode>();
            var cpu = ProcessCpu.Of(host.Host.Id);
            var max = 0.0;
            for (var i = 0; i < count; i++)
            {
                var started = Stopwatch.GetTimestamp();
                statuses.Add(await host.PostAsync(body, contentType, cancellationToken));
                var elapsed = Stopwatch.GetElapsedTime(started);
                latency.Add(elapsed);
                max = Math.Max(max, elapsed.TotalMilliseconds);
            }

            cpu = ProcessCpu.Of(host.Host.Id) - cpu;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-52}{string.Join("/", statuses.Select(s => (int)s)),8}{cpu.TotalMilliseconds / count,12:F1}{latency.Percentile(50),10:F1}{max,10:F1}"));
        }

        Console.WriteLine();
        Console.WriteLine("CPU ms/req is the host process's user+system time (all threads, GC included) divided by the requests;");
        Console.WriteLine("p50/max are the client's wall times on a shared machine. Target: a refused 20,000-recipient JSON request in well under 50 ms.");
        return 0;
    }

    private static byte[] Json(IEnumerable<string> to) => Encoding.UTF8.GetBytes(
        $"{{\"from\":\"alice@example.com\",\"to\":[{string.Join(",", to.Select(a => $"\"{a}\""))}],\"subject\":\"hi\",\"text\":\"hello\"}}");

    private static byte[] Mime(IEnumerable<string> to) => Encoding.UTF8.GetBytes(
        $"From: alice@example.com\r\nTo: {string.Join(",\r\n ", to)}\r\nSubject: hi\r\n\r\nhello\r\n");
}
