using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit.Cryptography;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Benchmarks.Dkim;

/// <summary>
/// What DKIM signing adds to preparing a submission (parse, build MIME, sign, serialise): one thread, no storage, the same
/// JSON message prepared unsigned, rsa-sha256, ed25519-sha256 and dual-signed, at 2 KB and with a 1 MB attachment.
/// </summary>
public sealed class DkimSignBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "dkim-sign";

    /// <inheritdoc />
    public string Description => "CPU µs per prepared message unsigned / rsa / ed25519 / dual, 2 KB and 1 MB (--n 2000 --large 100)";

    /// <inheritdoc />
    public Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var small = options.Number("n", 2000);
        var large = options.Number("large", 100);
        var rsa = DkimKeyGenerator.Generate("example.com", "rsa", DkimSignatureAlgorithm.RsaSha256);
        var ed25519 = DkimKeyGenerator.Generate("example.com", "ed", DkimSignatureAlgorithm.Ed25519Sha256);
        var setups = new (string Name, DkimKeyPair[] Keys)[] { ("unsigned", []), ("rsa-sha256", [rsa]), ("ed25519-sha256", [ed25519]), ("dual", [rsa, ed25519]) };

        Console.WriteLine($"dkim-sign: one thread, MessagePreparer only (no storage), {Environment.ProcessorCount} cores, {RuntimeInformationText()}");
        foreach (var (label, body, count) in new[] { ("2 KB", Json(2048), small), ("1 MB attachment", Json(1024 * 1024), large) })
        {
            Console.WriteLine($"{label}, N={count}:");
            double? unsigned = null;
            foreach (var (name, keys) in setups)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var preparer = Preparer(keys);
                Measure(preparer, body, Math.Max(count / 10, 5));
                var (wall, cpu) = Measure(preparer, body, count);
                unsigned ??= cpu;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-15} {cpu,9:F1} µs CPU/message ({1_000_000 / cpu,6:F0} messages/s per core; wall {wall,9:F1} µs)  signing adds {cpu - unsigned.Value,9:F1} µs CPU"));
            }
        }

        return Task.FromResult(0);
    }

    // Wall and CPU time per message; CPU time is the steadier figure on a machine shared with other work.
    private static (double Wall, double Cpu) Measure(MessagePreparer preparer, byte[] body, int count)
    {
        var request = new SubmissionRequest { Source = SubmissionSource.HttpJson, Payload = new JsonPayload(body) };
        var now = DateTimeOffset.UtcNow;
        var cpuBefore = ProcessCpu.Of(Environment.ProcessId);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            if (!preparer.TryPrepare(request, "01m8j01vmaatx2gphqhz6sc4f1", now, out _, out var error))
            {
                throw new InvalidOperationException(error!.Detail);
            }
        }

        var wall = Stopwatch.GetElapsedTime(started).TotalMicroseconds / count;
        return (wall, (ProcessCpu.Of(Environment.ProcessId) - cpuBefore).TotalMicroseconds / count);
    }

    private static MessagePreparer Preparer(DkimKeyPair[] keys)
    {
        var dkim = new DkimOptions();
        foreach (var key in keys)
        {
            dkim.Keys.Add(new DkimKeyOptions { Domain = key.Domain, Selector = key.Selector, PrivateKey = key.PrivateKeyPem });
        }

        var signer = new DkimMessageSigner(Microsoft.Extensions.Options.Options.Create(dkim), TimeProvider.System, NullLogger<DkimMessageSigner>.Instance);
        return new MessagePreparer(
            Microsoft.Extensions.Options.Options.Create(new SubmissionOptions()),
            Microsoft.Extensions.Options.Options.Create(new DeliveryOptions { LocalDomain = "bench.example" }),
            signer);
    }

    private static byte[] Json(int size)
    {
        var random = new Random(7);
        var text = string.Concat(Enumerable.Range(0, 40).Select(_ => "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"));
        var attachment = new byte[Math.Max(size - text.Length, 0)];
        random.NextBytes(attachment);
        return Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["from"] = "News <news@example.com>",
            ["to"] = "reader@example.net",
            ["subject"] = "Benchmark message",
            ["text"] = text[..Math.Min(text.Length, size)],
            ["attachments"] = size > 4096
                ? new object[] { new Dictionary<string, string> { ["filename"] = "data.bin", ["content"] = Convert.ToBase64String(attachment) } }
                : [],
        }));
    }

    private static string RuntimeInformationText() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
}
