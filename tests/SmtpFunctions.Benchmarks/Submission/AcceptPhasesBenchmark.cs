using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Core;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Benchmarks.Submission;

/// <summary>
/// Where the accept path's CPU goes, phase by phase, in this process: preparing a message (parse, rules, MIME write) for
/// an SMTP-like raw message and a JSON one, each storage write on its own against Azurite, and the whole
/// <see cref="SubmissionService.SubmitAsync"/>. CPU is this process's own (user + system, all threads, GC included).
/// </summary>
public sealed class AcceptPhasesBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "phases";

    /// <inheritdoc />
    public string Description => "CPU per accept phase in-process: prepare MIME/JSON, blob, queue, table, whole submit (--n 2000 --c 8 --rounds 2 --only a,b)";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var count = options.Number("n", 2000);
        var concurrency = options.Number("c", 8);
        var rounds = options.Number("rounds", 2);

        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [StorageNames.Connection] = azurite.ConnectionString })
            .Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSmtpFunctionsCore(configuration);
        await using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<StorageAccount>().EnsureCreatedAsync(cancellationToken: cancellationToken);

        var ceilingQueue = provider.GetRequiredService<StorageAccount>().Queues.GetQueueClient(StorageNames.OutboundQueue);
        var ceilingBlobs = provider.GetRequiredService<StorageAccount>().Blobs.GetBlobContainerClient(StorageNames.MessagesContainer);
        var ceilingJob = OutboundQueue.Serialize(AzuriteWriteCeiling.Job("c", "c", MessageBlobs.NameFor("c", "c"), 2300, DateTimeOffset.UtcNow));
        var ceilingTable = provider.GetRequiredService<StorageAccount>().Tables.GetTableClient(StorageNames.MessagesTable);
        var preparer = provider.GetRequiredService<MessagePreparer>();
        var submission = provider.GetRequiredService<SubmissionService>();
        var blobs = provider.GetRequiredService<MessageBlobs>();
        var queue = provider.GetRequiredService<OutboundQueue>();
        var status = provider.GetRequiredService<StatusStore>();

        var mime = SmtpSourceLikeMessage(2048);
        var json = Encoding.UTF8.GetBytes(SubmitBenchmark.MessageJson(2048));
        var envelope = new SubmissionEnvelope("load@example.com", ["sink@example.net"]);
        SubmissionRequest MimeRequest() => new() { Source = SubmissionSource.Smtp, Payload = new MimePayload(mime), Envelope = envelope };
        SubmissionRequest JsonRequest() => new() { Source = SubmissionSource.HttpJson, Payload = new JsonPayload(json) };
        var now = DateTimeOffset.UtcNow;
        var stored = new byte[2300];

        var phases = new List<(string Name, int Concurrency, Func<int, CancellationToken, Task<bool>> Operation)>
        {
            ("prepare raw MIME (SMTP)", 1, (i, _) => Task.FromResult(preparer.TryPrepare(MimeRequest(), Id(i), now, out var _, out var _))),
            ("prepare JSON", 1, (i, _) => Task.FromResult(preparer.TryPrepare(JsonRequest(), Id(i), now, out var _, out var _))),
            ("blob upload 2.3 KB", concurrency, async (i, ct) =>
            {
                await blobs.UploadAsync(MessageBlobs.NameFor(Id(i), "t"), stored, ct);
                return true;
            }),
            ("blob upload, ceiling's", concurrency, async (i, ct) =>
            {
                await ceilingBlobs.GetBlobClient(MessageBlobs.NameFor(Id(i), "c")).UploadAsync(BinaryData.FromBytes(stored), ct);
                return true;
            }),
            ("queue send (job)", concurrency, async (i, ct) =>
            {
                await queue.SendAsync(AzuriteWriteCeiling.Job(Id(i), "t", MessageBlobs.NameFor(Id(i), "t"), 2300, now), TimeSpan.Zero, ct);
                return true;
            }),
            ("queue send, ceiling's", concurrency, async (_, ct) =>
            {
                await ceilingQueue.SendMessageAsync(ceilingJob, null, TimeSpan.FromSeconds(-1), ct);
                return true;
            }),
            ("table transaction (2 rows)", concurrency, (i, ct) => status.CommitAsync(AzuriteWriteCeiling.MessageRow(Id(i), "t", MessageBlobs.NameFor(Id(i), "t"), 2300, now), [AzuriteWriteCeiling.RecipientRow(Id(i), now)], ct)),
            ("table transaction, ceiling's", concurrency, async (i, ct) =>
            {
                var id = "c" + Id(i);
                await ceilingTable.SubmitTransactionAsync(AzuriteWriteCeiling.Rows(id, "c", MessageBlobs.NameFor(id, "c"), 2300, now), ct);
                return true;
            }),
            ("submit raw MIME (SMTP)", concurrency, async (_, ct) => (await submission.SubmitAsync(MimeRequest(), ct)).Receipt is not null),
            ("submit JSON", concurrency, async (_, ct) => (await submission.SubmitAsync(JsonRequest(), ct)).Receipt is not null),
        };

        // --only blob,submit: the phases whose names contain one of these words, each on the same fresh Azurite.
        if (options.Text("only") is { } only)
        {
            var words = only.Split(',', StringSplitOptions.RemoveEmptyEntries);
            phases.RemoveAll(p => !words.Any(w => p.Name.Contains(w, StringComparison.OrdinalIgnoreCase)));
        }

        if (options.Text("requests") is not null)
        {
            using var listener = Azure.Core.Diagnostics.AzureEventSourceListener.CreateConsoleLogger(System.Diagnostics.Tracing.EventLevel.Informational);
            await submission.SubmitAsync(MimeRequest(), cancellationToken);
            return 0;
        }

        Console.WriteLine($"phases: N={count} per phase, C={concurrency} for storage, {rounds} rounds, {Environment.ProcessorCount} cores (shared), GC server={System.Runtime.GCSettings.IsServerGC}");
        var table = phases.ToDictionary(p => p.Name, _ => new List<(double Cpu, double Rate, double Azurite, double Allocated, double Gcs, double P50, double P99)>());
        for (var round = 0; round <= rounds; round++)
        {
            var offset = (round + 1) * 10_000_000;
            foreach (var (name, c, operation) in phases)
            {
                var n = round == 0 ? Math.Min(count, 300) : count; // round 0 warms up (JIT, connections)
                var cpu = ProcessCpu.Of(Environment.ProcessId);
                var azuriteCpu = azurite.CpuTime();
                var allocated = GC.GetTotalAllocatedBytes();
                var gcs = GC.CollectionCount(0);
                var result = await LoadRunner.RunAsync(n, c, (i, ct) => operation(offset + i, ct), cancellationToken);
                cpu = ProcessCpu.Of(Environment.ProcessId) - cpu;
                azuriteCpu = azurite.CpuTime() - azuriteCpu;
                allocated = GC.GetTotalAllocatedBytes() - allocated;
                gcs = GC.CollectionCount(0) - gcs;
                if (result.Failures > 0)
                {
                    Console.WriteLine($"{name}: {result.Failures} failures");
                    return 1;
                }

                if (round > 0)
                {
                    table[name].Add((cpu.TotalMilliseconds * 1000 / n, result.PerSecond, azuriteCpu.TotalMilliseconds * 1000 / n, allocated / 1024.0 / n, gcs * 1000.0 / n, result.Latency.Percentile(50), result.Latency.Percentile(99)));
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"phase",-30}{"CPU µs/op (per round)",28}{"ops/s",10}{"Azurite µs/op",16}{"KB alloc/op",13}{"GC0/1000",10}{"p50 ms",8}{"p99 ms",8}");
        foreach (var (name, results) in table)
        {
            var cpus = string.Join(" ", results.Select(r => r.Cpu.ToString("F0", CultureInfo.InvariantCulture)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-30}{cpus,28}{results.Average(r => r.Rate),10:F0}{results.Average(r => r.Azurite),16:F0}{results.Average(r => r.Allocated),13:F1}{results.Average(r => r.Gcs),10:F1}{results.Average(r => r.P50),8:F1}{results.Average(r => r.P99),8:F1}"));
        }

        return 0;
    }

    private static string Id(int i) => MessageIds.ForIdempotencyKey(i.ToString(CultureInfo.InvariantCulture));

    // What smtp-source sends: four headers, a blank line, then numbered lines of X (CRLF, as on the wire).
    private static byte[] SmtpSourceLikeMessage(int length)
    {
        var text = new StringBuilder();
        text.Append("From: <load@example.com>\r\nTo: <sink@example.net>\r\nDate: Sat, 28 Nov 2026 22:23:39 +0000 (UTC)\r\n");
        text.Append("Message-Id: <3a50.0003.0000@vm>\r\n\r\n");
        for (var line = 1; length > 0; line++)
        {
            var prefix = line.ToString(CultureInfo.InvariantCulture);
            var width = Math.Min(78, length);
            text.Append(prefix).Append('X', Math.Max(width - prefix.Length, 0)).Append("\r\n");
            length -= width;
        }

        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
