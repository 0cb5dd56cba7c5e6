using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using SmtpFunctions.Benchmarks.Measurement;

namespace SmtpFunctions.Benchmarks.Submission;

/// <summary>
/// Peak resident memory of the local host while C clients submit large messages at once over HTTP, JSON and raw MIME,
/// each case in a fresh host process (the kernel's high-water mark, VmHWM, only grows). A 503 busy is retried after its
/// Retry-After, as a client should, so every message is accepted in the end. Issue 11 measured 3.3 GB for 30 × 30 MB JSON.
/// </summary>
public sealed class DoorMemoryBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "door-memory";

    /// <inheritdoc />
    public string Description => "peak RSS of the local host for C parallel S MB submissions, JSON and raw MIME (--c 30 --mb 20 [--max-in-flight-mb N] [--host DLL])";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var clients = options.Number("c", 30);
        var megabytes = options.Number("mb", 20);
        var inFlight = options.Number("max-in-flight-mb", 0);
        var settings = new Dictionary<string, string> { ["Submission__MaxMessageBytes"] = (32L * 1024 * 1024).ToString(CultureInfo.InvariantCulture) };
        if (inFlight > 0)
        {
            settings["Submission__MaxBytesInFlight"] = (inFlight * 1024L * 1024).ToString(CultureInfo.InvariantCulture);
        }

        // The request body is S MB in both cases: base64 of an attachment of 3/4 of that, in JSON or in a MIME part.
        var attachment = new byte[megabytes * 1024 * 1024 / 4 * 3];
        new Random(20).NextBytes(attachment);
        var json = Json(attachment);
        var mime = Mime(attachment);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"door-memory: {clients} parallel submissions, JSON {json.Length / 1e6:F1} MB and raw MIME {mime.Length / 1e6:F1} MB bodies, against {options.Text("host") ?? "this build's local host"}; " +
            $"MaxBytesInFlight {(inFlight > 0 ? $"{inFlight} MiB" : "default")}; {Environment.ProcessorCount} cores (shared)"));
        Console.WriteLine();
        Console.WriteLine($"{"case",-12}{"idle MiB",10}{"peak MiB",10}{"peak-idle",11}{"per msg",9}{"202",6}{"503 retried",13}{"other",7}{"seconds",9}");

        var failed = false;
        foreach (var (label, body, contentType) in new[] { ("JSON", json, "application/json"), ("raw MIME", mime, "message/rfc822") })
        {
            await using var host = await LocalHostUnderTest.StartAsync(options.Text("host"), clients, settings);
            // Warm: the first request's JIT and the pool's first blocks are not what is measured.
            await host.PostAsync(Encoding.UTF8.GetBytes("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"warm\"}"), "application/json", cancellationToken);
            await host.PostAsync(Encoding.ASCII.GetBytes("From: a@example.com\r\nTo: b@example.net\r\n\r\nwarm\r\n"), "message/rfc822", cancellationToken);
            var idle = PeakMemory.CurrentOf(host.Host.Id);

            var started = Stopwatch.GetTimestamp();
            var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => SubmitUntilAcceptedAsync(host, body, contentType, cancellationToken)));
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var peak = PeakMemory.PeakOf(host.Host.Id);
            var accepted = results.Count(r => r.Status == HttpStatusCode.Accepted);
            var retried = results.Sum(r => r.Busy);
            failed |= accepted != clients;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-12}{PeakMemory.Mib(idle),10:F0}{PeakMemory.Mib(peak),10:F0}{PeakMemory.Mib(peak - idle),11:F0}{PeakMemory.Mib(peak - idle) / clients,9:F1}{accepted,6}{retried,13}{clients - accepted,7}{seconds,9:F1}"));
        }

        Console.WriteLine();
        Console.WriteLine("peak is the host process's VmHWM (all of its resident memory, runtime and GC heaps included); per msg divides");
        Console.WriteLine("peak-idle by the clients: with everything admitted at once it is the memory one submission costs, in message sizes");
        Console.WriteLine("about (per msg / body MB). 503 retried counts busy answers that a client retried after Retry-After.");
        return failed ? 1 : 0;
    }

    private static async Task<(HttpStatusCode Status, int Busy)> SubmitUntilAcceptedAsync(LocalHostUnderTest host, byte[] body, string contentType, CancellationToken cancellationToken)
    {
        var busy = 0;
        while (true)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            using var response = await host.Client.PostAsync("/api/messages", content, cancellationToken);
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || busy >= 20)
            {
                return (response.StatusCode, busy);
            }

            busy++;
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5), cancellationToken);
        }
    }

    private static byte[] Json(byte[] attachment) => Encoding.ASCII.GetBytes(
        "{\"from\":\"alice@example.com\",\"to\":\"bob@example.net\",\"subject\":\"large\",\"text\":\"see attached\"," +
        $"\"attachments\":[{{\"filename\":\"large.bin\",\"contentType\":\"application/octet-stream\",\"content\":\"{Convert.ToBase64String(attachment)}\"}}]}}");

    private static byte[] Mime(byte[] attachment)
    {
        var text = new StringBuilder("From: alice@example.com\r\nTo: bob@example.net\r\nSubject: large\r\nMIME-Version: 1.0\r\n")
            .Append("Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n")
            .Append("--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
            .Append(Convert.ToBase64String(attachment, Base64FormattingOptions.InsertLineBreaks))
            .Append("\r\n--b--\r\n");
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
