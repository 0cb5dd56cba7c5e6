using Azure.Data.Tables;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Ingress.Tests.Fixtures;

/// <summary>Reads what a submission left in storage: the delivery jobs on <c>outbound</c>, status rows and the MIME blob.</summary>
public sealed class StorageProbe(StorageAccount account, StatusStore status, MessageBlobs blobs)
{
    private readonly TableClient _table = account.Tables.GetTableClient(StorageNames.MessagesTable);

    /// <summary>The queue of delivery jobs.</summary>
    public Azure.Storage.Queues.QueueClient Queue { get; } = account.Queues.GetQueueClient(StorageNames.OutboundQueue);

    /// <summary>Jobs and messages stored so far; compare before and after to prove nothing was queued.</summary>
    public async Task<(int Jobs, int Messages, int Rows)> CountAsync()
    {
        var properties = await Queue.GetPropertiesAsync();
        var messages = 0;
        var rows = 0;
        await foreach (var entity in _table.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            rows++;
            if (MessageEntity.IsMessageRowKey(entity.RowKey))
            {
                messages++;
            }
        }

        return (properties.Value.ApproximateMessagesCount, messages, rows);
    }

    /// <summary>
    /// Waits until the container, the table and the queues exist: the ingress creates them in the background at start
    /// (Ingress:CreateStorage), so a test that stops storage must first wait for that to have happened.
    /// </summary>
    public async Task WaitForResourcesAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await ResourcesExistAsync())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The ingress did not create its storage resources within {timeout}.");
            await Task.Delay(50);
        }
    }

    /// <summary>Every job on the queue (at most 32: peek's limit).</summary>
    public async Task<List<DeliveryJob>> AllJobsAsync() =>
        (await Queue.PeekMessagesAsync(32)).Value.Select(m => OutboundQueue.Deserialize(m.Body)).ToList();

    private async Task<bool> ResourcesExistAsync()
    {
        if (!await account.Blobs.GetBlobContainerClient(StorageNames.MessagesContainer).ExistsAsync()
            || !await Queue.ExistsAsync()
            || !await account.Queues.GetQueueClient(StorageNames.OutboundPoisonQueue).ExistsAsync())
        {
            return false;
        }

        await foreach (var table in account.Tables.QueryAsync(t => t.Name == StorageNames.MessagesTable))
        {
            return true;
        }

        return false;
    }

    /// <summary>Empties the job queue so that the next peek sees only what a test adds.</summary>
    public Task ClearJobsAsync() => Queue.ClearMessagesAsync();

    /// <summary>The jobs of one message (the queue must hold at most 32 jobs: peek's limit).</summary>
    public async Task<List<DeliveryJob>> JobsOfAsync(string messageId)
    {
        var peeked = await Queue.PeekMessagesAsync(32);
        return peeked.Value.Select(m => OutboundQueue.Deserialize(m.Body)).Where(j => j.MessageId == messageId).OrderBy(j => j.Domain, StringComparer.Ordinal).ToList();
    }

    /// <summary>The status rows of one message.</summary>
    public Task<(MessageEntity? Message, List<RecipientEntity> Recipients)> RowsOfAsync(string messageId) => status.GetAsync(messageId, CancellationToken.None);

    /// <summary>The stored MIME of one message.</summary>
    public async Task<string> MimeOfAsync(string messageId)
    {
        var (message, _) = await RowsOfAsync(messageId);
        Assert.NotNull(message);
        return (await blobs.DownloadAsync(message.BlobName, CancellationToken.None)).ToString();
    }
}
