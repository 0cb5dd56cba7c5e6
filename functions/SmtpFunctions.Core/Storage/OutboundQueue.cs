using System.Text.Json;
using Azure.Storage.Queues;
using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Storage;

/// <summary>The delivery queues (<c>outbound</c>, and <c>outbound-n</c> with <c>Storage:Shards</c>): a job goes to its message's shard.</summary>
public sealed class OutboundQueue
{
    /// <summary>
    /// Upper bound for a serialised job. The service allows 64 KiB of message text, which jobs now are as JSON; the bound
    /// stays what fitted when they went Base64-encoded, so a job never outgrows what either encoding can carry.
    /// </summary>
    public const int MaxJobBytes = 48 * 1024;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    private readonly ShardClients<QueueClient> _queues;

    /// <summary>Binds to the delivery queue of every shard, each in its shard's account (<see cref="ShardAccounts"/>).</summary>
    public OutboundQueue(ShardAccounts accounts)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        _queues = accounts.PerShard((account, shard) => account.Queues.GetQueueClient(StorageShards.QueueName(shard)));
    }

    /// <summary>Shard 0's client, <c>outbound</c> (all there is with one shard).</summary>
    public QueueClient Client => _queues[0];

    /// <summary>The client of one shard's queue.</summary>
    public QueueClient ClientFor(int shard) => _queues[shard];

    /// <summary>The client of the queue a message's jobs go to.</summary>
    public QueueClient ClientForMessage(string messageId) => _queues.ForMessage(messageId);

    /// <summary>Enqueues a job on its message's shard, invisible for <paramref name="delay"/> (the retry schedule's wait).</summary>
    /// <remarks>Every job of a message (first attempt, retry, bounce, re-drive) goes through here, so all follow its shard.</remarks>
    public async Task SendAsync(DeliveryJob job, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var body = Serialize(job);
        await ClientForMessage(job.MessageId).SendMessageAsync(body, delay > TimeSpan.Zero ? delay : null, TimeSpan.FromSeconds(-1), cancellationToken);
    }

    /// <summary>Serialises a job, refusing one that would not fit in a queue message.</summary>
    public static BinaryData Serialize(DeliveryJob job)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(job, Json);
        if (bytes.Length > MaxJobBytes && job.Content is not null)
        {
            // The content only saves delivery a blob read; a job with many recipients goes without it rather than not at all.
            bytes = JsonSerializer.SerializeToUtf8Bytes(job with { Content = null }, Json);
        }

        if (bytes.Length > MaxJobBytes)
        {
            throw new InvalidOperationException($"Delivery job for {job.MessageId} is {bytes.Length} bytes; the limit is {MaxJobBytes}.");
        }

        return BinaryData.FromBytes(bytes);
    }

    /// <summary>Reads a job from a queue message body: JSON text, or the Base64 of it that earlier versions sent.</summary>
    public static DeliveryJob Deserialize(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return QueueJson.Unwrap(body).ToObjectFromJson<DeliveryJob>(Json) ?? throw new JsonException("Empty delivery job.");
    }
}
