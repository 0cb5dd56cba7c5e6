using Azure.Storage.Queues;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Sweeping;

namespace SmtpFunctions.Core.IntegrationTests.Infrastructure;

/// <summary>
/// Drives the safety net the way its triggers do: the sweeper with a time the test controls, and the poison queue
/// (receive from <c>outbound-poison</c>, hand the body to <see cref="PoisonJobHandler"/>, delete it when it returns).
/// </summary>
internal sealed class SweepDriver(DeliveryHost host)
{
    public Sweeper Sweeper => host.Get<Sweeper>();

    public SweepIndex Index => host.Get<SweepIndex>();

    public QueueClient Poison => host.Storage.Queues.GetQueueClient(StorageNames.OutboundPoisonQueue);

    /// <summary>
    /// Empties the index and the poison queue: every test of the collection files index rows, and a sweep at a time
    /// in the future would otherwise re-drive other tests' messages too.
    /// </summary>
    public async Task ResetAsync()
    {
        await Index.ClearAsync(CancellationToken.None);
        await Poison.ClearMessagesAsync();
    }

    public Task<SweepResult> SweepAsync(DateTimeOffset now) => Sweeper.SweepAsync(now, CancellationToken.None);

    /// <summary>
    /// Stores the MIME of a submission attempt of <paramref name="messageId"/> filed by <paramref name="tags"/>, as its
    /// upload would, without committing it; returns the blob's name.
    /// </summary>
    public async Task<string> FileAttemptAsync(string messageId, string token, IDictionary<string, string> tags)
    {
        var blobName = MessageBlobs.NameFor(messageId, token);
        await host.Get<MessageBlobs>().UploadAsync(blobName, new MemoryStream("Subject: attempt\r\n\r\nx\r\n"u8.ToArray()), default, tags);
        return blobName;
    }

    /// <summary>The message's entries in the index: table rows and the first filing's tag.</summary>
    public Task<List<SweepIndexEntity>> IndexRowsAsync(string messageId) => Index.EntriesOfAsync(messageId, CancellationToken.None);

    /// <summary>Visible jobs on <c>outbound</c> (peeked, left there).</summary>
    public async Task<List<DeliveryJob>> JobsAsync(string? messageId = null)
    {
        var peeked = (await host.Queue.Client.PeekMessagesAsync(32)).Value;
        return peeked.Select(m => OutboundQueue.Deserialize(m.Body)).Where(j => messageId is null || j.MessageId == messageId).ToList();
    }

    /// <summary>Loses every job on <c>outbound</c> (a dropped enqueue, a function timeout that never retried).</summary>
    public Task LoseJobsAsync() => host.Queue.Client.ClearMessagesAsync();

    /// <summary>
    /// Takes the job of <paramref name="messageId"/> off <c>outbound</c> and puts its body on <c>outbound-poison</c>, as the
    /// queue trigger does after maxDequeueCount failed runs.
    /// </summary>
    public async Task<DeliveryJob> PoisonJobAsync(string messageId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var message in (await host.Queue.Client.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30))).Value)
            {
                var job = OutboundQueue.Deserialize(message.Body);
                if (job.MessageId == messageId)
                {
                    await Poison.SendMessageAsync(message.Body);
                    await host.Queue.Client.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                    return job;
                }

                await host.Queue.Client.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: TimeSpan.Zero);
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No job for {messageId} appeared on the queue.");
    }

    /// <summary>Handles every message on <c>outbound-poison</c> as its trigger would.</summary>
    public async Task<List<PoisonDisposition>> HandlePoisonQueueAsync()
    {
        var handler = host.Get<PoisonJobHandler>();
        var dispositions = new List<PoisonDisposition>();
        while ((await Poison.ReceiveMessagesAsync(16, TimeSpan.FromSeconds(60))).Value is { Length: > 0 } messages)
        {
            foreach (var message in messages)
            {
                dispositions.Add(await handler.HandleAsync(message.Body, CancellationToken.None));
                await Poison.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            }
        }

        return dispositions;
    }
}
