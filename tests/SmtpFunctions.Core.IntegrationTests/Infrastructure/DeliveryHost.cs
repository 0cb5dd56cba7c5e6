using System.Text;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>
/// Core as a host builds it (<c>AddSmtpFunctionsCore</c>, options from configuration) against Azurite, plus a queue
/// driver that does what the queue trigger does: receive from <c>outbound</c>, hand each body to
/// <see cref="DeliveryJobHandler"/>, delete it when the handler returns, let it come back when it throws.
/// </summary>
internal sealed class DeliveryHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly ITestOutputHelper _output;
    private readonly TestOutputLoggerProvider _logs;

    private DeliveryHost(ServiceProvider services, ITestOutputHelper output, TestOutputLoggerProvider logs)
    {
        _services = services;
        _output = output;
        _logs = logs;
    }

    /// <summary>Every log event of Core so far, in order (event id, category, message).</summary>
    public IReadOnlyList<LoggedEvent> LogEvents => _logs.Events.ToArray();

    public SubmissionService Submission => _services.GetRequiredService<SubmissionService>();

    public DeliveryJobHandler Handler => _services.GetRequiredService<DeliveryJobHandler>();

    public StatusStore Status => _services.GetRequiredService<StatusStore>();

    public StorageAccount Storage => _services.GetRequiredService<StorageAccount>();

    public OutboundQueue Queue => _services.GetRequiredService<OutboundQueue>();

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    /// <summary>Jobs whose handling threw (infrastructure faults), for assertions.</summary>
    public List<Exception> HandlerFaults { get; } = [];

    /// <summary>Starts Core with the given settings over and above the test defaults (tiny retry schedule, short DNS timeouts).</summary>
    public static async Task<DeliveryHost> StartAsync(
        string storageConnection, ITestOutputHelper output, IDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var values = new Dictionary<string, string?>
        {
            [StorageNames.Connection] = storageConnection,
            ["Storage:MaxRetries"] = "0",
            ["Delivery:LocalDomain"] = "mta.smtpfunctions.test",
            ["Delivery:ConnectTimeout"] = "00:00:05",
            ["Delivery:GreetingTimeout"] = "00:00:30",
            ["Delivery:CommandTimeout"] = "00:00:30",
            ["Delivery:DataTerminationTimeout"] = "00:00:30",
            ["Routing:QueryTimeout"] = "00:00:02",
            ["Routing:QueryRetries"] = "0",
            // Every peer of the tests lives on loopback, which the outbound address policy refuses by default.
            ["Routing:AllowedNetworks"] = "127.0.0.0/8",
            ["Retry:Schedule"] = "00:00:01",
            ["Retry:Jitter"] = "0",
            ["Delivery:BounceCollectDelay"] = "00:00:01",
            // This host runs no event dispatcher: intents would stay in the partitions and keep the sweeper's index rows.
            // The tests of events turn them on and dispatch what they look at.
            ["Events:Enabled"] = "false",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var logs = new TestOutputLoggerProvider(output);
        var collection = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Information))
            .AddSmtpFunctionsCore(configuration);
        services?.Invoke(collection);
        var host = new DeliveryHost(collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }), output, logs);
        await host.Get<ShardAccounts>().EnsureCreatedAsync();
        await host.Queue.Client.ClearMessagesAsync();
        // Events are on by default: a test that does not dispatch them must not leave a backlog (Azurite slows with one).
        await host.Get<SmtpFunctions.Core.Events.EventQueue>().Client.ClearMessagesAsync();
        await host.ClearSuppressionsAsync();
        return host;
    }

    /// <summary>
    /// Empties the suppression list: tests share one Azurite, and an address one test's bounce suppressed (a DSN to the
    /// shared sender failing for good) must not turn another test's DSN into a suppressed recipient.
    /// </summary>
    public async Task ClearSuppressionsAsync()
    {
        var table = Storage.Tables.GetTableClient(StorageNames.SuppressionsTable);
        await foreach (var entry in table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey", "RowKey"]))
        {
            await table.DeleteEntityAsync(entry.PartitionKey, entry.RowKey);
        }
    }

    /// <summary>Submits a JSON message as the HTTP door would.</summary>
    public async Task<SubmissionReceipt> SubmitJsonAsync(string json, string? idempotencyKey = null, string tenantId = Tenants.TenantIds.Default)
    {
        var outcome = await Submission.SubmitAsync(new SubmissionRequest
        {
            TenantId = tenantId,
            Source = SubmissionSource.HttpJson,
            Payload = new JsonPayload(Encoding.UTF8.GetBytes(json)),
            IdempotencyKey = idempotencyKey,
        }, CancellationToken.None);
        Assert.True(outcome.IsAccepted, outcome.Error?.Detail);
        return outcome.Receipt!;
    }

    /// <summary>Submits raw MIME as the SMTP door would, with an explicit envelope.</summary>
    public async Task<SubmissionReceipt> SubmitMimeAsync(byte[] mime, string? sender = null, params string[] recipients)
    {
        var outcome = await Submission.SubmitAsync(new SubmissionRequest
        {
            Source = SubmissionSource.Smtp,
            Payload = new MimePayload(mime),
            Envelope = recipients.Length > 0 ? new SubmissionEnvelope(sender, recipients) : null,
        }, CancellationToken.None);
        Assert.True(outcome.IsAccepted, outcome.Error?.Detail);
        return outcome.Receipt!;
    }

    /// <summary>Runs every shard's queue until <paramref name="done"/> holds (checked between batches) or the timeout passes.</summary>
    public async Task RunUntilAsync(Func<Task<bool>> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The delivery queue did not reach the expected state in time.");
            }

            var processed = 0;
            foreach (var shard in Get<StorageShards>().All)
            {
                processed += await RunOnceAsync(shard);
            }

            if (processed == 0)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Runs the queue until the message's status is final for every recipient.</summary>
    public async Task<MessageStatusView> RunUntilFinalAsync(string messageId, TimeSpan? timeout = null)
    {
        MessageStatusView? view = null;
        await RunUntilAsync(async () =>
        {
            view = await Status.GetViewAsync(messageId, CancellationToken.None);
            return view is not null && view.Recipients.All(r => RecipientStatus.IsFinal(r.Status));
        }, timeout);
        return view!;
    }

    /// <summary>True when every recipient of every message in <paramref name="ids"/> is delivered.</summary>
    public async Task<bool> AllDeliveredAsync(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            var view = await Status.GetViewAsync(id, CancellationToken.None);
            if (view is null || view.Recipients.Any(r => r.Status != RecipientStatus.Delivered))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Receives one batch (up to 16, the host.json batch size) of shard <paramref name="shard"/>'s queue and handles it concurrently.</summary>
    public async Task<int> RunOnceAsync(int shard = 0)
    {
        var queue = Queue.ClientFor(shard);
        QueueMessage[] messages = (await queue.ReceiveMessagesAsync(16, TimeSpan.FromSeconds(60))).Value;
        await Task.WhenAll(messages.Select(m => HandleAsync(queue, m)));
        return messages.Length;
    }

    /// <summary>Messages now visible on the queue.</summary>
    public async Task<int> VisibleJobsAsync() => (await Queue.Client.PeekMessagesAsync(32)).Value.Length;

    /// <summary>Every job on the queue, visible or still waiting out its visibility delay (the queue's message count).</summary>
    public async Task<int> QueuedJobsAsync() => (await Queue.Client.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    /// <summary>
    /// Waits until a job becomes visible (its visibility delay has passed) and takes it off the queue, unhandled: the
    /// event the test waits on is the job's arrival, however long the queue takes to show it.
    /// </summary>
    public async Task<DeliveryJob> TakeNextVisibleJobAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var received = (await Queue.Client.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(60))).Value;
            if (received.Length == 1)
            {
                await Queue.Client.DeleteMessageAsync(received[0].MessageId, received[0].PopReceipt);
                return OutboundQueue.Deserialize(received[0].Body);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No job became visible within {timeout}.");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private async Task HandleAsync(Azure.Storage.Queues.QueueClient queue, QueueMessage message)
    {
        try
        {
            await Handler.HandleAsync(message.Body, message.DequeueCount, CancellationToken.None);
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
        }
        catch (Exception ex)
        {
            lock (HandlerFaults)
            {
                HandlerFaults.Add(ex);
            }

            _output.WriteLine($"handler threw: {ex}");
            await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.FromSeconds(1));
        }
    }
}
