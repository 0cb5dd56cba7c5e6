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
