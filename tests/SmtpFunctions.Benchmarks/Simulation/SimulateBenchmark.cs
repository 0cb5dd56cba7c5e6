using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Core.Pipeline;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Benchmarks.Measurement;
using SmtpFunctions.Core;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Benchmarks.Simulation;

/// <summary>
/// Offers a message rate to the real <see cref="SubmissionService"/> and drains the shard queues with the real
/// <see cref="DeliveryJobHandler"/>, with storage answering as Azure would (<see cref="StorageModelPolicy"/> in front of
/// Azurite, limits divided by <c>--scale</c>) and a smart host of known latency: what one account and N queues carry.
/// </summary>
/// <remarks>
/// Options: <c>--shards 1,2,4</c>, <c>--rates 1000,2000,2800</c> (msg/s offered, in Azure's units), <c>--seconds 20</c>
/// per run, <c>--scale 100</c>, <c>--recipients 1</c> per message, <c>--domains 20</c> recipient domains in all, and
/// <c>--concurrency 64</c> jobs in flight per shard (in Azure's units: instances × the trigger's batch; divided by the
/// scale like the rates), <c>--accounts-per-shard false</c> (or <c>true</c>, or <c>false,true</c> for both: shard n ≥ 1 in
/// an Azurite account of its own, <c>Shard{n}Storage</c>, each with its own targets in the model). Each run starts a fresh
/// Azurite. The first quarter of a run is warm-up and not measured.
/// </remarks>
public sealed class SimulateBenchmark : IBenchmark
{
    public string Name => "simulate";

    public string Description => "real submission + delivery code against a model of Azure Storage's limits and latencies (shards × offered rate)";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var options = new BenchmarkArguments(args);
        var scale = options.Number("scale", 100);
        var seconds = options.Number("seconds", 20);
        var recipients = options.Number("recipients", 1);
        var domains = options.Number("domains", 20);
        var concurrency = options.Number("concurrency", 6400);
        var shardCounts = Numbers(options.Text("shards", "1,4")!);
        var rates = Numbers(options.Text("rates", "1000,2000,2800")!);
        var accountModes = options.Text("accounts-per-shard", "false")!.Split(',').Select(bool.Parse).ToArray();
        var limits = new AzureLimits(scale);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"simulate: scale 1/{scale} (account {limits.AccountRequestsPerSecond:F0} req/s, queue {limits.QueueMessagesPerSecond:F0} msg/s, partition {limits.PartitionEntitiesPerSecond:F0} entities/s as run; numbers below in Azure's units), {seconds} s per run, {recipients} recipient(s) per message over {domains} domains"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latencies (median/p99 ms): table {AzureLimits.TableLatency.Median.TotalMilliseconds}/{AzureLimits.TableLatency.P99.TotalMilliseconds}, queue {AzureLimits.QueueLatency.Median.TotalMilliseconds}/{AzureLimits.QueueLatency.P99.TotalMilliseconds}, blob {AzureLimits.BlobLatency.Median.TotalMilliseconds}/{AzureLimits.BlobLatency.P99.TotalMilliseconds}, smart host {AzureLimits.SmartHostLatency.Median.TotalMilliseconds}/{AzureLimits.SmartHostLatency.P99.TotalMilliseconds}"));
        Console.WriteLine();
        Console.WriteLine("| shards | accounts | offered msg/s | accepted msg/s | refused msg/s | delivered msg/s | queue age p50 | queue age p99 | backlog at end | throttled req/s | storage req/msg |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var mixes = new List<string>();
        foreach (var perShard in accountModes)
        {
            foreach (var shards in shardCounts)
            {
                foreach (var rate in rates)
                {
                    var run = await RunOnceAsync(limits, shards, perShard, rate, seconds, recipients, domains, concurrency, cancellationToken);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {shards} | {run.Accounts} | {rate} | {run.Accepted:F0} | {run.Refused:F0} | {run.Delivered:F0} | {Seconds(run.AgeP50)} | {Seconds(run.AgeP99)} | {run.Backlog * scale} | {run.Throttled:F0} | {run.RequestsPerMessage:F1} |"));
                    mixes.Add($"  shards {shards}, {run.Accounts} account(s), {rate} msg/s: {run.Mix}");
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("storage requests per delivered message, by kind (what the code sent, counted by the model):");
        foreach (var mix in mixes)
        {
            Console.WriteLine(mix);
        }

        return 0;
    }

    private static async Task<RunResult> RunOnceAsync(
        AzureLimits limits, int shards, bool accountPerShard, int rate, int seconds, int recipients, int domains, int concurrency, CancellationToken cancellationToken)
    {
        // With accounts per shard, shard n ≥ 1 is Azurite's account "shard{n}" (the model gives each account its own targets).
        var shardAccounts = accountPerShard ? Enumerable.Range(1, shards - 1).Select(s => "shard" + s.ToString(CultureInfo.InvariantCulture)).ToArray() : [];
        await using var azurite = await AzuriteProcess.StartAsync(inMemory: true, shardAccounts);
        var storageDefaults = new StorageOptions();
        var model = new StorageModelPolicy(limits, azurite.BlobPort, azurite.QueuePort, azurite.TablePort, storageDefaults.MaxRetries, storageDefaults.RetryDelay);
        var smartHost = new ModelSmartHost();
        var settings = new Dictionary<string, string?>
        {
            [StorageNames.Connection] = azurite.ConnectionString,
            ["Storage:Shards"] = shards.ToString(CultureInfo.InvariantCulture),
            ["Delivery:LocalDomain"] = "mta.smtpfunctions.test",
        };
        for (var s = 1; s <= shardAccounts.Length; s++)
        {
            settings[ShardAccounts.ConnectionName(s)] = azurite.ConnectionStringFor(shardAccounts[s - 1]);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddSingleton<IMessageRelay>(smartHost)
            .AddSingleton<HttpPipelinePolicy>(model)
            .AddSmtpFunctionsCore(configuration)
            .BuildServiceProvider();
        await services.GetRequiredService<StorageProvisioner>().EnsureCreatedAsync(cancellationToken);
        var submission = services.GetRequiredService<SubmissionService>();
        var handler = services.GetRequiredService<DeliveryJobHandler>();
        var queues = services.GetRequiredService<OutboundQueue>();

        // Let the buckets fill after provisioning, then count from zero.
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        model.Reset();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var duration = TimeSpan.FromSeconds(seconds);
        var warmUp = duration / 4;
        var clock = Stopwatch.StartNew();
        var tally = new Tally();
        var ages = new LatencyRecorder();
        var perShard = Math.Max(1, concurrency / (int)limits.Scale);
        var consumers = Enumerable.Range(0, shards)
            .Select(s => Task.Run(() => ConsumeAsync(queues.ClientFor(s), model, handler, perShard, clock, warmUp, tally, ages, stop.Token), CancellationToken.None))
            .ToList();
        var producer = Task.Run(() => ProduceAsync(submission, rate / limits.Scale, recipients, domains, clock, warmUp, tally, stop.Token), CancellationToken.None);

        await Task.Delay(duration, cancellationToken);
        var measured = (duration - warmUp).TotalSeconds;
        var throttled = model.Throttled;
        var total = model.Total;
        var mix = model.Requests;
        var snapshot = tally.Snapshot();
        await stop.CancelAsync();
        await Task.WhenAll(consumers.Append(producer));

        var accounts = services.GetRequiredService<ShardAccounts>().Distinct.Count;
        var backlog = 0;
        for (var s = 0; s < shards; s++)
        {
            backlog += (await queues.ClientFor(s).GetPropertiesAsync(CancellationToken.None)).Value.ApproximateMessagesCount;
        }

        var jobsPerMessage = Math.Min(recipients, domains);
        var deliveredMessages = Math.Max(snapshot.Completed / (double)jobsPerMessage, 1);
        var elapsedTotal = duration.TotalSeconds;
        var perKind = string.Join(", ", mix.OrderByDescending(kv => kv.Value).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value / Math.Max(tally.CompletedAll / (double)jobsPerMessage, 1):F2}")));
        return new RunResult(
            accounts,
            snapshot.Accepted / measured * limits.Scale,
            snapshot.Refused / measured * limits.Scale,
            deliveredMessages / measured * limits.Scale,
            ages.Percentile(50),
            ages.Percentile(99),
            backlog,
            throttled / elapsedTotal * limits.Scale,
            total / Math.Max(tally.CompletedAll / (double)jobsPerMessage, 1),
            perKind);
    }

    // Submissions at the offered rate, each on its own task as independent clients would send them.
    private static async Task ProduceAsync(
        SubmissionService submission, double perSecond, int recipients, int domains, Stopwatch clock, TimeSpan warmUp, Tally tally, CancellationToken stop)
    {
        var started = 0L;
        var running = new ConcurrentDictionary<long, Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var due = (long)(clock.Elapsed.TotalSeconds * perSecond);
                for (; started < due; started++)
                {
                    var i = started;
                    running[i] = Task.Run(async () =>
                    {
                        var to = string.Join(",", Enumerable.Range(0, recipients).Select(j => $"\"r{i}-{j}@d{(i + j) % domains}.test\""));
                        var json = $$"""{"from":"sender@sender.test","to":[{{to}}],"subject":"Simulated {{i}}","text":"A message of the simulation, about a kilobyte once it has its headers."}""";
                        var outcome = await submission.SubmitAsync(new SubmissionRequest
                        {
                            Source = SubmissionSource.HttpJson,
                            Payload = new JsonPayload(Encoding.UTF8.GetBytes(json)),
                        }, CancellationToken.None);
                        if (clock.Elapsed >= warmUp)
                        {
                            Interlocked.Increment(ref outcome.IsAccepted ? ref tally.Accepted : ref tally.Refused);
                        }

                        running.TryRemove(i, out _);
                    }, CancellationToken.None);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(10), stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }

        await Task.WhenAll(running.Values);
    }

    // One shard's queue trigger: receive a batch, run each job, delete it when the handler returns (as the host does).
    private static async Task ConsumeAsync(
        QueueClient queue, StorageModelPolicy model, DeliveryJobHandler handler, int maxInFlight, Stopwatch clock, TimeSpan warmUp, Tally tally, LatencyRecorder ages, CancellationToken stop)
    {
        using var slots = new SemaphoreSlim(maxInFlight);
        var poll = TimeSpan.FromMilliseconds(50);
        var running = new ConcurrentDictionary<string, Task>(StringComparer.Ordinal);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                Azure.Storage.Queues.Models.QueueMessage[] messages;
                try
                {
                    messages = (await queue.ReceiveMessagesAsync(Math.Min(32, Math.Max(1, slots.CurrentCount)), TimeSpan.FromMinutes(5), stop)).Value;
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    // The run is over (a cancelled read surfaces as a disposed stream, not always as a cancellation).
                    break;
                }
                catch (Azure.RequestFailedException)
                {
                    // Throttled past the SDK's retries: the host's listener backs off the same way.
                    await Task.Delay(poll, stop);
                    continue;
                }

                if (messages.Length == 0)
                {
                    await Task.Delay(poll, stop);
                    poll = TimeSpan.FromMilliseconds(Math.Min(poll.TotalMilliseconds * 2, 1000));
                    continue;
                }

                poll = TimeSpan.FromMilliseconds(50);
                model.ChargeReceived(queue, messages.Length);
                foreach (var message in messages)
                {
                    await slots.WaitAsync(stop);
                    var job = OutboundQueue.Deserialize(message.Body);
                    var now = clock.Elapsed;
                    if (now >= warmUp)
                    {
                        ages.Add(DateTimeOffset.UtcNow - (job.DueAt ?? job.SubmittedAt));
                    }

                    running[message.MessageId] = Task.Run(async () =>
                    {
                        try
                        {
                            await handler.HandleAsync(message.Body, message.DequeueCount, CancellationToken.None);
                            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None);
                            Interlocked.Increment(ref tally.CompletedAll);
                            if (clock.Elapsed >= warmUp)
                            {
                                Interlocked.Increment(ref tally.Completed);
                            }
                        }
                        catch (Exception)
                        {
                            // Storage refused past its retries: the job comes back after its visibility timeout.
                            Interlocked.Increment(ref tally.Faulted);
                        }
                        finally
                        {
                            slots.Release();
                            running.TryRemove(message.MessageId, out _);
                        }
                    }, CancellationToken.None);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The run is over.
        }

        await Task.WhenAll(running.Values);
    }

    private static int[] Numbers(string list) => list.Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();

    private static string Seconds(double milliseconds) =>
        double.IsNaN(milliseconds) ? "–" : milliseconds < 1000
            ? string.Create(CultureInfo.InvariantCulture, $"{milliseconds:F0} ms")
            : string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 1000:F1} s");

    private sealed class Tally
    {
        public long Accepted;
        public long Refused;
        public long Completed;
        public long CompletedAll;
        public long Faulted;

        public (long Accepted, long Refused, long Completed) Snapshot() =>
            (Interlocked.Read(ref Accepted), Interlocked.Read(ref Refused), Interlocked.Read(ref Completed));
    }

    private sealed record RunResult(
        int Accounts,
        double Accepted, double Refused, double Delivered, double AgeP50, double AgeP99, int Backlog, double Throttled, double RequestsPerMessage, string Mix);
}
