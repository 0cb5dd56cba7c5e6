using System.Text.Json;
using Azure.Storage.Queues;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Events;

/// <summary>The <c>events</c> queue: intents to dispatch and webhook deliveries to try (again).</summary>
public sealed class EventQueue
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    private readonly QueueClient _queue;

    /// <summary>Binds to the <c>events</c> queue.</summary>
    public EventQueue(StorageAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        _queue = account.Queues.GetQueueClient(StorageNames.EventsQueue);
    }

    /// <summary>The underlying client (the local queue listener and the tests receive from it).</summary>
    public QueueClient Client => _queue;

    /// <summary>Enqueues a message, invisible for <paramref name="delay"/>.</summary>
    public async Task SendAsync(EventQueueMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        var body = BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(message, Json));
        await _queue.SendMessageAsync(body, delay > TimeSpan.Zero ? delay : null, TimeSpan.FromSeconds(-1), cancellationToken);
    }

    /// <summary>Reads a queue message body: JSON text, or the Base64 of it that earlier versions sent.</summary>
    public static EventQueueMessage Deserialize(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var message = QueueJson.Unwrap(body).ToObjectFromJson<EventQueueMessage>(Json) ?? throw new JsonException("Empty event queue message.");
        return message.Kind is EventQueueMessage.AcceptedKind or EventQueueMessage.IntentKind or EventQueueMessage.DeliverKind && message.MessageId.Length > 0
            ? message
            : throw new JsonException($"Not an event queue message (kind '{message.Kind}').");
    }
}
