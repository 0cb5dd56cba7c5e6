using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Benchmarks.Submission;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;

namespace SmtpFunctions.Benchmarks.Delivery;

/// <summary>
/// Peak resident memory of a delivering host while it relays N large messages at once: they are submitted first (by
/// another host process), then a fresh host with the queue listener (host.json: 16 + 8 = 24 jobs at a time) delivers them
/// through a smart host, Postfix's smtp-sink on loopback. Issue 11 saw delivery hold about three copies per message.
/// </summary>
public sealed class DeliveryMemoryBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "delivery-memory";

    /// <inheritdoc />
    public string Description => "peak RSS of a host delivering N S MB messages at once to smtp-sink (--n 24 --mb 20 [--host DLL])";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var count = options.Number("n", 24);
        var megabytes = options.Number("mb", 20);
        var attachment = new byte[megabytes * 1024 * 1024 / 4 * 3];
        new Random(24).NextBytes(attachment);
        var mime = Encoding.ASCII.GetBytes(
            "From: alice@example.com\r\nTo: bob@example.net\r\nSubject: large\r\nMIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n" +
            "Content-Transfer-Encoding: base64\r\n\r\n" + Convert.ToBase64String(attachment, Base64FormattingOptions.InsertLineBreaks) + "\r\n");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"delivery-memory: {count} messages of {mime.Length / 1e6:F1} MB, delivered at once by {options.Text("host") ?? "this build's local host"} to smtp-sink; {Environment.ProcessorCount} cores (shared)"));

        await using var azurite = await AzuriteProcess.StartAsync(inMemory: false);
        await using var sink = await SmtpSink.StartAsync(cancellationToken: cancellationToken);
        var settings = new Dictionary<string, string>
        {
            ["Submission__MaxMessageBytes"] = (32L * 1024 * 1024).ToString(CultureInfo.InvariantCulture),
            ["Delivery__SmartHost__Host"] = sink.Address.ToString(),
            ["Delivery__SmartHost__Port"] = sink.Port.ToString(CultureInfo.InvariantCulture),
            ["Delivery__SmartHost__RequireTls"] = "false",
            ["Pacing__MaxConcurrentSessions"] = count.ToString(CultureInfo.InvariantCulture),
        };

        var ids = new List<string>();
        await using (var submitter = await LocalHostUnderTest.StartAsync(null, 4, settings, azurite))
        {
            for (var i = 0; i < count; i++)
            {
                using var content = new ByteArrayContent(mime);
                content.Headers.TryAddWithoutValidation("Content-Type", "message/rfc822");
                using var response = await submitter.Client.PostAsync("/api/messages", content, cancellationToken);
                using var receipt = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                ids.Add(receipt.RootElement.GetProperty("id").GetString()!);
            }
        }

        var started = Stopwatch.GetTimestamp();
        await using var deliverer = await LocalHostUnderTest.StartAsync(options.Text("host"), 4, settings, azurite, deliver: true);
        var idle = PeakMemory.CurrentOf(deliverer.Host.Id);
        var delivered = 0;
        while (delivered < count && Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(15))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            delivered = 0;
            foreach (var id in ids)
            {
                using var response = await deliverer.Client.GetAsync($"/api/messages/{id}", cancellationToken);
                using var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                delivered += status.RootElement.GetProperty("status").GetString() == "delivered" ? 1 : 0;
            }
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var peak = PeakMemory.PeakOf(deliverer.Host.Id);
        Console.WriteLine();
        Console.WriteLine($"{"idle MiB",10}{"peak MiB",10}{"peak-idle",11}{"per msg",9}{"delivered",11}{"seconds",9}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{PeakMemory.Mib(idle),10:F0}{PeakMemory.Mib(peak),10:F0}{PeakMemory.Mib(peak - idle),11:F0}{PeakMemory.Mib(peak - idle) / count,9:F1}{delivered,11}{seconds,9:F1}"));
        Console.WriteLine();
        Console.WriteLine("idle is the delivering host's RSS just after it started listening (it may already be working); per msg divides");
        Console.WriteLine("peak-idle by the messages, all of which are in flight at once when N <= 24 (host.json's batch size + threshold).");
        return delivered == count ? 0 : 1;
    }
}
