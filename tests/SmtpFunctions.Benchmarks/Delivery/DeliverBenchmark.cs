using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Postfix;
using SmtpFunctions.Testing.Processes;

namespace SmtpFunctions.Benchmarks.Delivery;

/// <summary>
/// N messages of about 2 KB to one domain whose MX (served by BIND) is Postfix's smtp-sink: submitted as a stream
/// through <see cref="SubmissionService"/> and delivered by <see cref="DeliveryJobHandler"/> with the queue trigger's
/// batch semantics; then, in the same run, Postfix relays as many (fed by smtp-source) to the same sink. Prints
/// messages/s and CPU-seconds per 1,000 messages for both, and Azurite's dequeue ceiling at the same depth.
/// </summary>
public sealed partial class DeliverBenchmark : IBenchmark
{
    private const string Domain = "bench.test";
    private const string Sender = "sender@sender.test";
    private const string Recipient = "rcpt@bench.test";
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FaultRetryDelay = TimeSpan.FromSeconds(5);

    /// <inheritdoc />
    public string Name => "deliver";

    /// <inheritdoc />
    public string Description => "deliver N 2 KB messages to smtp-sink by MX, beside Postfix relaying the same (--messages N --batch 16 --backlog 64)";

    /// <inheritdoc />
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var settings = DeliverBenchmarkSettings.Parse(args);
        Console.WriteLine($"deliver: {settings.Messages} messages of ~{settings.Size} B, batch {settings.BatchSize}, backlog ≤ {settings.Backlog}, {settings.Sessions} submitters / smtp-source sessions");

        // On disk, as the local host runs it, not in memory: Azurite's in-memory store keeps every queue message and blob
        // as an extent of its own, and its queue GC (every minute) deletes the consumed ones one by one, re-sorting the
        // extent index on each, which froze the whole emulator for minutes once a few thousand jobs had been delivered
        // (perf on the Node process: lokijs ensureAllIndexes under MemoryExtentStore.deleteExtents). A delivery run
        // consumes every job it makes; the disk store packs them into a few extent files.
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: false, processPerService: settings.AzuritePerService);
        await using var sink = await SmtpSink.StartAsync(new SmtpSinkOptions { CaptureMessages = false, TrackSessions = false, Backlog = 512 }, cancellationToken: cancellationToken);
        await using var dns = await DnsServer.StartAsync(new DnsZone(Domain).Mx(Domain, 10, "mx." + Domain).A("mx." + Domain, sink.Address));
        Console.WriteLine($"  azurite 127.0.0.1:{azurite.QueuePort} ({(settings.AzuritePerService ? "a process per service" : "one process")}), smtp-sink {sink.EndPoint}, BIND {dns.EndPoint}");

        await using var services = BuildServices(azurite.ConnectionString, sink.Port, dns.EndPoint, events: false);
        var account = services.GetRequiredService<StorageAccount>();
        await account.EnsureCreatedAsync(cancellationToken: cancellationToken);

        // A long-running host is past tiered compilation; Postfix has none. Measured runs of a few thousand messages were
        // a third background JIT without this.
        var warmed = await Warmup.UntilJitQuietAsync(Environment.ProcessId, settings.Warmup, maxRounds: 8,
            n => RunOursAsync(services, settings with { Messages = n }, quiet: true, cancellationToken));
        Console.WriteLine($"  warmed up with {warmed} messages (delivered, not counted)");

        var ceilingMessages = settings.CeilingMessages ?? Math.Min(settings.Messages, 3000);
        var ceiling = await AzuriteQueueCeiling.MeasureAsync(account.Queues, ceilingMessages, settings.Backlog, cancellationToken);
        Console.WriteLine($"  azurite ceiling: {ceiling:F0} receive+delete/s ({ceilingMessages} messages at depth ≤ {settings.Backlog}, minimal client)");

        using var requests = new StorageRequestCounter(azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
        var requestsBefore = requests.Snapshot();
        var secondsBefore = requests.Seconds();
        var azuriteCpu = azurite.CpuTime();
        var azuriteCpuByProcess = azurite.CpuTimeByProcess();
        var jit = ThreadCpuSampler.Start(Environment.ProcessId, ProcessCpu.JitThread);
        var sinkCpu = SinkCpu(sink);
        var ours = await RunOursAsync(services, settings, quiet: false, cancellationToken, azurite.CpuTime, sink, requests);
        sinkCpu = SinkCpu(sink) - sinkCpu;
        var jitCpu = await jit.StopAsync();
        azuriteCpu = azurite.CpuTime() - azuriteCpu;
        azuriteCpuByProcess = azurite.CpuTimeByProcess().ToDictionary(pair => pair.Key, pair => pair.Value - azuriteCpuByProcess[pair.Key]);
        Print("smtpfunctions", ours, settings.Messages);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  of which background JIT {jitCpu.TotalSeconds * 1000 / settings.Messages:F2} cpu-s/1000 msg ({jitCpu / ours.Cpu:P0})"));
        var baselineRequests = StorageRequestCounter.PerMessage(requestsBefore, requests.Snapshot(), settings.Messages);
        Console.WriteLine("  " + baselineRequests);
        Console.WriteLine("  " + StorageRequestCounter.MeanLatency(requestsBefore, secondsBefore, requests.Snapshot(), requests.Seconds()));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  azurite used {azuriteCpu.TotalSeconds * 1000 / settings.Messages:F2} cpu-s/1000 msg meanwhile ({100 * azuriteCpu.TotalSeconds / ours.Elapsed.TotalSeconds:F0} % of a core; not counted as ours)"));
        Console.WriteLine($"  smtp-sink counted {sink.CountMessagesThisRun()} messages so far");
        PrintWhereTheTimeGoes(ours, azuriteCpu, azuriteCpuByProcess, sinkCpu, settings.Messages);
        // Azurite slows as its tables and blobs grow, so the ceiling is measured again with the data our run left: the
        // fair bound for the end of the run.
        var ceilingAfter = await AzuriteQueueCeiling.MeasureAsync(account.Queues, ceilingMessages, settings.Backlog, cancellationToken);
        Console.WriteLine($"  azurite ceiling after the run: {ceilingAfter:F0} receive+delete/s");
        Console.WriteLine($"  smtpfunctions rate = {100 * ours.Rate(settings.Messages) / ceiling:F0} % of azurite's ceiling before, {100 * ours.Rate(settings.Messages) / ceilingAfter:F0} % after; " +
            $"SMTP sessions opened {ours.SessionsOpened}, reused {ours.SessionsReused}");

        if (settings.Events)
        {
            await RunEventsVariantAsync(azurite, sink, dns.EndPoint, settings, ours, baselineRequests, cancellationToken);
        }

        if (!settings.SkipPostfix)
        {
            var postfix = await RunPostfixAsync(sink.EndPoint, settings, cancellationToken);
            Print("postfix", postfix, settings.Messages);
            Console.WriteLine($"  smtp-sink counted {sink.CountMessagesThisRun()} messages in all");
            Console.WriteLine($"  cpu per message: smtpfunctions / postfix = {ours.Cpu.TotalSeconds / postfix.Cpu.TotalSeconds:F2}");
        }

        if (settings.Split)
        {
            // Last: it leaves N more messages in Azurite's tables, and Azurite slows down as they grow.
            var submitOnly = await RunSubmissionOnlyAsync(services, settings, cancellationToken);
            Print("submission only", submitOnly, settings.Messages);
        }

        if (ours.Delivered > settings.Messages)
        {
            // The submitters retry a 503 without an Idempotency-Key; a commit storage applied after the client had given up
            // on it is then a second message, as the API's 503 problem says. Nothing was lost, so the run counts.
            Console.WriteLine($"  {ours.Delivered - settings.Messages} more delivered than submitted: a 503'd submission whose commit storage applied late, retried without an Idempotency-Key");
        }

        if (ours.Failed > 0 || ours.Delivered < settings.Messages)
        {
            Console.WriteLine($"  FAILED RUN: {ours.Delivered} of {settings.Messages} delivered, {ours.Failed} failed for good (listed above)");
        }

        return ours.Delivered >= settings.Messages && ours.Failed == 0 ? 0 : 1;
    }

    internal static TimeSpan SinkCpu(SmtpSink sink) => TimeSpan.FromTicks(sink.ProcessIds.Sum(pid => ProcessTree.CpuTime(pid).Ticks));

    // The machine's cores bound the rate when every process on the path is CPU-bound: the sum of their CPU per message
    // against the cores there are says how much of the wall-clock time is CPU, and whose.
    private static void PrintWhereTheTimeGoes(RunResult ours, TimeSpan azurite, IReadOnlyDictionary<string, TimeSpan> azuriteByProcess, TimeSpan sink, int messages)
    {
        var perMessage = (Ours: ours.Cpu.TotalMilliseconds / messages, Azurite: azurite.TotalMilliseconds / messages, Sink: sink.TotalMilliseconds / messages);
        var total = perMessage.Ours + perMessage.Azurite + perMessage.Sink;
        var wall = ours.Elapsed.TotalMilliseconds / messages;
        var cores = Environment.ProcessorCount;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  where the time goes, per message: wall {wall:F2} ms; CPU ours {perMessage.Ours:F2} ms, azurite {perMessage.Azurite:F2} ms ({AzuriteBound(azuriteByProcess, messages)}), smtp-sink {perMessage.Sink:F2} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {total:F2} CPU-ms per message on {cores} cores bound the rate at {cores * 1000 / Math.Max(total, 0.001):F0} msg/s; the measured {ours.Rate(messages):F0} msg/s leaves {Math.Max(0, 100 - (100 * total / (wall * cores))):F0} % of the cores idle (waiting on storage round trips)"));
    }

    // Each Node process runs its JavaScript on one thread, so the busiest process's CPU per message bounds the rate; with a
    // process per service that is one service's share, not Azurite's sum (a bound, not a measure: GC and I/O threads
    // take some of a process's CPU off its main thread).
    private static string AzuriteBound(IReadOnlyDictionary<string, TimeSpan> byProcess, int messages)
    {
        if (byProcess.Count == 0)
        {
            return "no process";
        }

        var busiest = byProcess.MaxBy(pair => pair.Value);
        var bound = 1000 / Math.Max(busiest.Value.TotalMilliseconds / messages, 0.001);
        if (byProcess.Count == 1)
        {
            return string.Create(CultureInfo.InvariantCulture, $"one Node process: at most {bound:F0} msg/s");
        }

        var shares = string.Join(", ", byProcess.Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Key} {pair.Value.TotalMilliseconds / messages:F2}")));
        return string.Create(CultureInfo.InvariantCulture, $"a Node process per service, {shares}: the busiest, {busiest.Key}, at most {bound:F0} msg/s");
    }

    private static void Print(string who, RunResult result, int messages) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {who,-14} {result.Rate(messages),8:F0} msg/s  {result.Cpu.TotalSeconds * 1000 / messages,6:F2} cpu-s/1000 msg  ({result.Delivered} delivered in {result.Elapsed.TotalSeconds:F1} s, {result.Cpu.TotalSeconds:F1} cpu-s)"));

    // Events off unless asked for: the numbers without them are the baseline the events variant is printed beside.
    private static ServiceProvider BuildServices(string storage, int port, IPEndPoint dns, bool events)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [StorageNames.Connection] = storage,
            ["Delivery:LocalDomain"] = "mta.smtpfunctions.test",
            ["Delivery:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Routing:NameServers"] = $"{dns.Address}:{dns.Port}",
            // The sink is on loopback, which the outbound address policy refuses by default.
            ["Routing:AllowedNetworks"] = "127.0.0.0/8",
            ["Events:Enabled"] = events ? "true" : "false",
            ["Events:RequireHttps"] = "false",
        }).Build();
        // No log provider: both sides are measured on the mail path, and Postfix's log goes to a file it writes itself.
        // One provider only, for the handler's outcome lines: failures and stalls are reported without reading storage.
        var outcomes = new DeliveryOutcomeLog();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(outcomes)
            .AddLogging(logging => logging.AddProvider(outcomes))
            .AddSmtpFunctionsCore(configuration)
            .BuildServiceProvider();
    }

    private static async Task<RunResult> RunOursAsync(
        ServiceProvider services, DeliverBenchmarkSettings settings, bool quiet, CancellationToken cancellationToken, Func<TimeSpan>? azuriteCpu = null, SmtpSink? sink = null,
        StorageRequestCounter? requests = null)
    {
        var submission = services.GetRequiredService<SubmissionService>();
        var handler = services.GetRequiredService<DeliveryJobHandler>();
        var queue = services.GetRequiredService<OutboundQueue>().Client;
        var outcomes = services.GetRequiredService<DeliveryOutcomeLog>();
        outcomes.Clear();
        var text = Text(settings.Size);

        // The run ends when every message is final (delivered, or failed for good) or at the time limit, whichever is
        // first: a failed message must not keep it waiting forever.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(settings.TimeLimit);
        var token = stop.Token;

        // Submitted but not yet final: producers wait while it is at the backlog limit, so the queue stays shallow.
        using var room = new SemaphoreSlim(settings.Backlog);
        long delivered = 0, reused = 0, opened = 0, deferred = 0, failed = 0;
        var accepted = new System.Collections.Concurrent.ConcurrentQueue<(string Id, string Recipient)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == MailMetrics.MeterName && instrument.Name is MailMetrics.DeliveryAttempts or MailMetrics.SmtpSessions)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (instrument.Name == MailMetrics.DeliveryAttempts && tag is { Key: "outcome", Value: "delivered" })
                {
                    Interlocked.Add(ref delivered, value);
                    room.Release((int)value);
                }
                else if (instrument.Name == MailMetrics.DeliveryAttempts && tag is { Key: "outcome", Value: "deferred" })
                {
                    Interlocked.Add(ref deferred, value);
                }
                else if (instrument.Name == MailMetrics.DeliveryAttempts && tag.Key == "outcome")
                {
                    // Failed, expired or suppressed: final too, so it frees its place in the backlog.
                    Interlocked.Add(ref failed, value);
                    room.Release((int)value);
                }
                else if (instrument.Name == MailMetrics.SmtpSessions && tag.Key == "reused")
                {
                    Interlocked.Add(ref tag.Value is true ? ref reused : ref opened, value);
                }
            }
        });
        listener.Start();

        var submitted = 0;
        var unavailable = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var segments = new CpuSegments(settings.Messages, azuriteCpu, sink, requests);
        var stopwatch = Stopwatch.StartNew();

        var producers = Enumerable.Range(0, settings.Sessions).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref submitted)) <= settings.Messages)
            {
                // One recipient per message: the handler's log lines then say which message each outcome belongs to.
                var recipient = $"rcpt+{n}@{Domain}";
                var body = Encoding.UTF8.GetBytes(Json(recipient, text));
                await room.WaitAsync(token);
                while (true)
                {
                    var outcome = await submission.SubmitAsync(new SubmissionRequest { Source = SubmissionSource.HttpJson, Payload = new JsonPayload(body) }, token);
                    if (outcome.IsAccepted)
                    {
                        accepted.Enqueue((outcome.Receipt!.MessageId, recipient));
                        break;
                    }

                    if (outcome.Error!.Kind != SubmissionErrorKind.StorageUnavailable)
                    {
                        throw new InvalidOperationException($"Submission refused: {outcome.Error.Detail}");
                    }

                    // What a client does with a 503: try again a little later.
                    if (Interlocked.Increment(ref unavailable) == 1)
                    {
                        Console.WriteLine($"    first submission answered 503 (retried): {outcome.Error.Detail}");
                    }

                    await Task.Delay(FaultRetryDelay, token);
                }
            }
        }, token)).ToList();

        // The queue trigger: receive a batch when no more than half a batch is still in flight (host.json's newBatchThreshold).
        var inFlight = 0;
        var faults = 0;
        var threshold = settings.BatchSize / 2;
        var work = new List<Task>();
        var progress = Stopwatch.StartNew();
        var lastDelivered = 0L;
        long Final() => Interlocked.Read(ref delivered) + Interlocked.Read(ref failed);
        try
        {
            while (Final() < settings.Messages)
            {
                token.ThrowIfCancellationRequested();
                segments.Sample(Interlocked.Read(ref delivered));
                if (producers.FirstOrDefault(p => p.IsFaulted) is { } failedProducer)
                {
                    await failedProducer;
                }

                if (Volatile.Read(ref inFlight) > threshold)
                {
                    await Task.WhenAny(work);
                    work.RemoveAll(t => t.IsCompleted);
                    continue;
                }

                if (progress.Elapsed >= ProgressInterval && !quiet)
                {
                    var now = Interlocked.Read(ref delivered);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"    {stopwatch.Elapsed.TotalSeconds,6:F0} s: {now} delivered, {(now - lastDelivered) / progress.Elapsed.TotalSeconds:F0} msg/s lately, {Interlocked.Read(ref deferred)} deferrals, {Interlocked.Read(ref failed)} failures, {inFlight} in flight{segments.Latest()}"));
                    if (now == lastDelivered && now > 0)
                    {
                        ReportStuck(accepted, outcomes);
                    }

                    lastDelivered = now;
                    progress.Restart();
                }

                QueueMessage[] batch;
                try
                {
                    batch = (await queue.ReceiveMessagesAsync(settings.BatchSize, TimeSpan.FromMinutes(5), token)).Value;
                }
                catch (Exception ex) when (StorageFaults.IsUnavailable(ex) && !token.IsCancellationRequested)
                {
                    // What the queue listener does when a poll fails (Azurite was seen to stall for minutes): poll again later.
                    if (Interlocked.Increment(ref faults) == 1)
                    {
                        Console.WriteLine($"    first failed poll (polled again): {ex.GetType().Name}: {ex.Message}");
                    }

                    await Task.Delay(FaultRetryDelay, token);
                    continue;
                }

                if (batch.Length == 0)
                {
                    await Task.Delay(20, token);
                    continue;
                }

                foreach (var message in batch)
                {
                    Interlocked.Increment(ref inFlight);
                    work.Add(Task.Run(async () =>
                    {
                        try
                        {
                            await handler.HandleAsync(message.Body, message.DequeueCount, token);
                            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, token);
                        }
                        catch (Exception ex) when (!token.IsCancellationRequested)
                        {
                            // What the queue trigger does with an infrastructure fault: the message comes back later.
                            if (Interlocked.Increment(ref faults) == 1)
                            {
                                Console.WriteLine($"    first handler fault (the job is retried): {ex.GetType().Name}: {ex.Message}");
                            }

                            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: FaultRetryDelay, cancellationToken: token);
                        }
                        finally
                        {
                            Interlocked.Decrement(ref inFlight);
                        }
                    }, token));
                }

                work.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  time limit of {settings.TimeLimit.TotalMinutes:F0} min reached: {Interlocked.Read(ref delivered)} delivered, {Interlocked.Read(ref failed)} failed, {settings.Messages - Final()} not final"));
            ReportStuck(accepted, outcomes);
        }

        await stop.CancelAsync();
        await Task.WhenAll(producers.Concat(work).Select(IgnoreCancellationAsync));
        stopwatch.Stop();
        segments.Sample(Interlocked.Read(ref delivered), force: true);
        if (faults > 0 || unavailable > 0)
        {
            Console.WriteLine($"  azurite trouble: {faults} handler faults or failed polls (retried as the queue trigger does), {unavailable} submissions answered 503 (retried)");
        }

        ReportFailures(outcomes, quiet);
        if (!quiet)
        {
            segments.Print();
        }

        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return new RunResult(stopwatch.Elapsed, used, (int)Interlocked.Read(ref delivered), Interlocked.Read(ref opened), Interlocked.Read(ref reused))
        {
            Failed = (int)Interlocked.Read(ref failed),
        };
    }

    private static async Task IgnoreCancellationAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // The run ended (every message final, or the time limit): work still waiting is abandoned.
        }
    }

    // Failures with their replies, from the handler's log lines: no storage reads, however long the run was.
    private static void ReportFailures(DeliveryOutcomeLog outcomes, bool quiet)
    {
        var failures = outcomes.Failures();
        if (failures.Count == 0)
        {
            return;
        }

        Console.WriteLine($"  {failures.Count} recipients failed for good{(quiet ? " (warm-up)" : "")}, by reply:");
        foreach (var group in failures.GroupBy(f => $"{f.Outcome.Status}: {f.Outcome.Reply}").OrderByDescending(g => g.Count()).Take(10))
        {
            Console.WriteLine($"    {group.Count(),6} × {group.Key}  (e.g. {string.Join(", ", group.Take(3).Select(f => f.Recipient))})");
        }
    }

    // A stall is reported with the first few accepted messages that are not final, and what their last attempt said:
    // from memory, bounded by the backlog, not one partition query per accepted message.
    private static void ReportStuck(IEnumerable<(string Id, string Recipient)> accepted, DeliveryOutcomeLog outcomes)
    {
        var shown = 0;
        foreach (var (id, recipient) in accepted)
        {
            var last = outcomes.For(recipient);
            if (last is { Status: not "deferred" })
            {
                continue;
            }

            Console.WriteLine($"      {id} <{recipient}>: {(last is null ? outcomes.JobNote(id) ?? "no attempt yet" : $"deferred: {last.Reply}")}");
            if (++shown == 5)
            {
                return;
            }
        }
    }

    // Submission alone, in rounds of one backlog each (the queue is cleared between rounds, untimed, to keep it shallow).
    private static async Task<RunResult> RunSubmissionOnlyAsync(ServiceProvider services, DeliverBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var submission = services.GetRequiredService<SubmissionService>();
        var queue = services.GetRequiredService<OutboundQueue>().Client;
        var body = Encoding.UTF8.GetBytes(Json(Recipient, Text(settings.Size)));
        var elapsed = TimeSpan.Zero;
        var cpu = TimeSpan.Zero;
        for (var done = 0; done < settings.Messages; done += settings.Backlog)
        {
            var round = Math.Min(settings.Backlog, settings.Messages - done);
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var stopwatch = Stopwatch.StartNew();
            await Parallel.ForEachAsync(Enumerable.Range(0, round), new ParallelOptions { MaxDegreeOfParallelism = settings.Sessions, CancellationToken = cancellationToken },
                async (_, ct) => await submission.SubmitAsync(new SubmissionRequest { Source = SubmissionSource.HttpJson, Payload = new JsonPayload(body) }, ct));
            elapsed += stopwatch.Elapsed;
            cpu += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            await queue.ClearMessagesAsync(cancellationToken);
        }

        return new RunResult(elapsed, cpu, settings.Messages, 0, 0);
    }

    private static async Task<RunResult> RunPostfixAsync(IPEndPoint sink, DeliverBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var options = new PostfixOptions { HostName = "relay.postfix.test", RelayHost = sink };
        await using var postfix = await PostfixInstance.StartAsync(options, cancellationToken);
        var cpu = postfix.CpuTime;
        var stopwatch = Stopwatch.StartNew();
        var source = await SmtpSource.RunAsync(postfix.EndPoint, new SmtpSourceOptions
        {
            Sessions = settings.Sessions,
            Messages = settings.Messages,
            BodyLength = settings.Size,
            From = Sender,
            To = Recipient,
            Timeout = settings.TimeLimit,
        });
        if (source.ExitCode != 0)
        {
            throw new InvalidOperationException($"smtp-source failed ({source.ExitCode}): {source.Output}");
        }

        // A queue that does not drain within the time limit is stuck: the exception shows the queue and Postfix's log.
        await postfix.WaitForEmptyQueueAsync(settings.TimeLimit, cancellationToken);
        stopwatch.Stop();
        var used = postfix.CpuTime - cpu;
        var log = postfix.ReadLog();
        var sent = log.Split('\n').Count(l => l.Contains("status=sent", StringComparison.Ordinal));
        return new RunResult(stopwatch.Elapsed, used, sent, 0, 0);
    }

    // The text fills the message to about the requested size once headers are added.
    private static string Text(int size)
    {
        var text = new StringBuilder();
        var line = "The quick brown fox jumps over the lazy dog; benchmark payload line.";
        while (text.Length < Math.Max(100, size - 450))
        {
            text.Append(line).Append("\\n");
        }

        return text.ToString();
    }

    private static string Json(string recipient, string text) =>
        $$"""{"from":"{{Sender}}","to":["{{recipient}}"],"subject":"Benchmark message","text":"{{text}}"}""";

    private sealed record RunResult(TimeSpan Elapsed, TimeSpan Cpu, int Delivered, long SessionsOpened, long SessionsReused)
    {
        /// <summary>Recipients that failed for good (failed, expired, suppressed).</summary>
        public int Failed { get; init; }

        public double Rate(int messages) => messages / Elapsed.TotalSeconds;
    }
}
