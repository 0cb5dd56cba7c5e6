using System.Text.Json;
using Azure.Storage.Queues;
using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Storage;

/// <summary>The <c>outbound</c> queue of delivery jobs.</summary>
public sealed class OutboundQueue
{
    /// <summary>Upper bound for a serialised job; the service allows 64 KB after Base64, i.e. 48 KB of JSON.</summary>
    public const int MaxJobBytes = 48 * 1024;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    private readonly QueueClient _queue;

    /// <summary>Binds to the <c>outbound</c> queue.</summary>
    public OutboundQueue(StorageAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        _queue = account.Queues.GetQueueClient(StorageNames.OutboundQueue);
    }

    /// <summary>The underlying client (the local queue listener receives from it).</summary>
    public QueueClient Client => _queue;

    /// <summary>Enqueues a job, invisible for <paramref name="delay"/> (the retry schedule's wait).</summary>
    public async Task SendAsync(DeliveryJob job, TimeSpan delay, CancellationToken cancellationToken)
    {
        var body = Serialize(job);
        await _queue.SendMessageAsync(body, delay > TimeSpan.Zero ? delay : null, TimeSpan.FromSeconds(-1), cancellationToken);
    }

    /// <summary>Serialises a job, refusing one that would not fit in a queue message.</summary>
    public static BinaryData Serialize(DeliveryJob job)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(job, Json);
        if (bytes.Length > MaxJobBytes)
        {
            throw new InvalidOperationException($"Delivery job for {job.MessageId} is {bytes.Length} bytes; the limit is {MaxJobBytes}.");
        }

        return BinaryData.FromBytes(bytes);
    }

    /// <summary>Reads a job from a queue message body.</summary>
    public static DeliveryJob Deserialize(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return body.ToObjectFromJson<DeliveryJob>(Json) ?? throw new JsonException("Empty delivery job.");
    }
}
