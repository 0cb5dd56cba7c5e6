using System.Text;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// Handles one message of the <c>events</c> queue: what the <c>DispatchEvents</c> trigger and the local queue listener
/// call. Off the delivery path: a slow or failing receiver delays nobody's mail.
/// </summary>
/// <remarks>
/// An intent (or a submission's accepted events) is turned into CloudEvents, each tried once at once for every
/// subscription of the message's tenant that wants its type (and the Event Grid topic, if any); the intent row is deleted
/// only after that, so a crash sends them again (at least once; the event ids repeat). A failed try goes back on the queue
/// as a <c>deliver</c> message with the next wait of <c>Events:RetrySchedule</c>; when the schedule is used up (over 24 h)
/// or the URL's addresses are refused, the event is kept for the subscription's replay. Every failure counts towards the
/// subscription's failure state, and one failing for <c>Events:DisableAfter</c> without a success is disabled.
/// </remarks>
public sealed partial class EventDispatcher(
    EventQueue queue,
    StatusStore status,
    WebhookSubscriptionStore subscriptions,
    WebhookSender webhooks,
    EventGridSender eventGrid,
    MailMetrics metrics,
    TimeProvider time,
    IOptions<EventsOptions> options,
    IOptions<DeliveryOptions> delivery,
    IOptions<StorageOptions> storage,
    ILogger<EventDispatcher> logger) : IDisposable
{
    private readonly MemoryCache _messageRows = new(new MemoryCacheOptions { SizeLimit = 10_000 });
    private static readonly JsonSerializerOptions ReceiptJson = new();
    private readonly EventsOptions _options = options.Value;
    private readonly IReadOnlyList<TimeSpan> _delays = options.Value.RetryDelays();
    private readonly TimeSpan _orphanGrace = Submission.OrphanGrace.For(delivery.Value, storage.Value);

    /// <summary>Handles one queue message body. Throws only for infrastructure faults (the queue retries those).</summary>
    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken)
    {
        var message = EventQueue.Deserialize(body);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MessageId"] = message.MessageId });
        switch (message.Kind)
        {
            case EventQueueMessage.AcceptedKind:
                await AcceptedAsync(message, cancellationToken);
                break;
            case EventQueueMessage.IntentKind:
                await IntentAsync(message, cancellationToken);
                break;
            default:
                await DeliverAsync(message, cancellationToken);
                break;
        }
    }

    // Queued beside the delivery jobs, before the commit: the commit decides whether the events happened.
    private async Task AcceptedAsync(EventQueueMessage message, CancellationToken cancellationToken)
    {
        var row = await MessageAsync(message.MessageId, cancellationToken);
        if (row is null)
        {
            if (time.GetUtcNow() - (message.SubmittedAt ?? default) < _orphanGrace)
            {
                await queue.SendAsync(message, delivery.Value.OrphanRecheckDelay, cancellationToken);
            }

            return;
        }

        if (row.SubmissionToken != message.SubmissionToken)
        {
            LogOrphan(logger, message.MessageId);
            return;
        }

        var events = (JsonSerializer.Deserialize<List<AcceptedRecipient>>(row.AcceptedRecipientsJson, ReceiptJson) ?? [])
            .Select(r => new RecipientEvent
            {
                Type = r.Status == RecipientStatus.Suppressed ? EventTypes.Suppressed : EventTypes.Accepted,
                Sequence = 1,
                Recipient = r.Address,
                Time = row.SubmittedAt,
            }).ToList();
        await FanOutAsync(row, events, cancellationToken);
    }

    private async Task IntentAsync(EventQueueMessage message, CancellationToken cancellationToken)
    {
        var intent = await status.TableFor(message.MessageId).GetEntityIfExistsAsync<EventIntentEntity>(message.MessageId, message.IntentRowKey ?? "", cancellationToken: cancellationToken);
        if (!intent.HasValue)
        {
            // Dispatched already (a second copy of the queue message, or the sweeper's re-send of one that was only late).
            return;
        }

        var row = await MessageAsync(message.MessageId, cancellationToken);
        if (row is not null)
        {
            await FanOutAsync(row, intent.Value!.ReadEvents(), cancellationToken);
        }

        try
        {
            await status.TableFor(message.MessageId).DeleteEntityAsync(message.MessageId, intent.Value!.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Another copy deleted it.
        }
    }

    private async Task FanOutAsync(MessageEntity message, IReadOnlyList<RecipientEvent> events, CancellationToken cancellationToken)
    {
        var tenant = TenantOf(message);
        var metadata = MetadataOf(message);
        var tags = message.TagsJson is { Length: > 0 } tagsJson ? JsonSerializer.Deserialize<List<string>>(tagsJson) ?? [] : [];
        var targets = (await subscriptions.ForTenantAsync(tenant, cancellationToken)).Where(s => s.Enabled).ToList();
        var tries = new List<Task>();
        foreach (var e in events)
        {
            metrics.Dispatched.Add(1, new KeyValuePair<string, object?>("event", e.Type));
            var id = CloudEventWriter.IdFor(message.PartitionKey, e.Recipient, e.Sequence);
            var body = CloudEventWriter.Write(message.PartitionKey, tenant, metadata, tags, e);
            var deliver = new EventQueueMessage { Kind = EventQueueMessage.DeliverKind, MessageId = message.PartitionKey, TenantId = tenant, EventId = id, Event = Encoding.UTF8.GetString(body) };
            tries.AddRange(targets.Where(s => s.Wants(e.Type)).Select(s => TryAsync(deliver with { Target = s.RowKey }, s, body, cancellationToken)));
            if (eventGrid.Enabled)
            {
                tries.Add(TryAsync(deliver with { Target = WebhookTargets.EventGrid }, null, body, cancellationToken));
            }
        }

        await Task.WhenAll(tries);
    }

    // A retry (or a replayed event): the subscription is read again, as it may have changed or gone meanwhile.
    private async Task DeliverAsync(EventQueueMessage message, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(message.Event ?? "");
        if (message.Target == WebhookTargets.EventGrid)
        {
            await TryAsync(message, null, body, cancellationToken);
            return;
        }

        var subscription = (await subscriptions.ForTenantAsync(message.TenantId ?? "", cancellationToken)).FirstOrDefault(s => s.RowKey == message.Target);
        if (subscription is null)
        {
            return;
        }

        if (!subscription.Enabled)
        {
            await KeepForReplayAsync(message, "the subscription is disabled", cancellationToken);
            return;
        }

        await TryAsync(message, subscription, body, cancellationToken);
    }

    private async Task TryAsync(EventQueueMessage message, WebhookSubscriptionEntity? subscription, byte[] body, CancellationToken cancellationToken)
    {
        var result = subscription is null
            ? await eventGrid.SendAsync(body, cancellationToken)
            : await webhooks.SendAsync(new Uri(subscription.Url), subscription.Secret, message.EventId!, body, cancellationToken);
        var target = subscription is null ? "eventgrid" : "webhook";
        if (result.Delivered)
        {
            metrics.WebhookTries.Add(1, new("target", target), new("outcome", "delivered"));
            if (subscription is not null)
            {
                await subscriptions.RecordSuccessAsync(subscription, cancellationToken);
            }

            return;
        }

        LogTryFailed(logger, message.EventId!, message.Target!, message.Attempt + 1, result.Error ?? "");
        if (subscription is not null && await subscriptions.RecordFailureAsync(subscription.PartitionKey, subscription.RowKey, result.Error ?? "", _options.DisableAfter, cancellationToken))
        {
            LogDisabled(logger, subscription.RowKey, subscription.PartitionKey, _options.DisableAfter);
        }

        if (result.Refused)
        {
            metrics.WebhookTries.Add(1, new("target", target), new("outcome", "refused"));
            await KeepForReplayAsync(message, result.Error, cancellationToken);
        }
        else if (message.Attempt < _delays.Count)
        {
            metrics.WebhookTries.Add(1, new("target", target), new("outcome", "retried"));
            await queue.SendAsync(message with { Attempt = message.Attempt + 1 }, _delays[message.Attempt], cancellationToken);
        }
        else
        {
            metrics.WebhookTries.Add(1, new("target", target), new("outcome", "abandoned"));
            await KeepForReplayAsync(message, result.Error, cancellationToken);
        }
    }

    /// <summary>
    /// Gives up on a webhook delivery: keeps the event for the subscription's replay (an Event Grid delivery is logged and
    /// dropped; Event Grid has no replay).
    /// </summary>
    public async Task KeepForReplayAsync(EventQueueMessage message, string? error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Target == WebhookTargets.EventGrid)
        {
            LogEventGridAbandoned(logger, message.EventId!, error ?? "");
            return;
        }

        await subscriptions.KeepFailedAsync(
            new WebhookFailureEntity
            {
                PartitionKey = message.Target!,
                RowKey = message.EventId!,
                TenantId = message.TenantId ?? "",
                MessageId = message.MessageId,
                Event = message.Event ?? "",
                FailedAt = time.GetUtcNow(),
                LastError = error,
            },
            cancellationToken);
    }

    // The message row names the tenant and holds the metadata; it never changes after the commit, so each instance keeps
    // it for a while: a message's later events (delivered after accepted) then cost no read.
    private async Task<MessageEntity?> MessageAsync(string id, CancellationToken cancellationToken)
    {
        if (_messageRows.TryGetValue<MessageEntity>(CacheKey(id), out var cached))
        {
            return cached;
        }

        var row = await status.GetMessageAsync(id, cancellationToken);
        if (row is not null)
        {
            _messageRows.Set(CacheKey(id), row, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10), Size = 1 });
        }

        return row;
    }

    /// <inheritdoc />
    public void Dispose() => _messageRows.Dispose();

    private static string CacheKey(string id) => "events:message:" + id;

    // Until the message row carries its tenant (the keys work adds MessageEntity.TenantId), every message is the default tenant's.
    private static string TenantOf(MessageEntity message) => message.OwnerTenantId();

    private static Dictionary<string, string> MetadataOf(MessageEntity message) =>
        message.MetadataJson is { Length: > 0 } json
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? []
            : new Dictionary<string, string>();

    [LoggerMessage(EventId = 9402, Level = LogLevel.Information, Message = "Accepted events of {MessageId} dropped: another submission committed that id")]
    private static partial void LogOrphan(ILogger logger, string messageId);

    [LoggerMessage(EventId = 9403, Level = LogLevel.Warning, Message = "Event {EventId} to {Target} failed (try {Attempt}): {Error}")]
    private static partial void LogTryFailed(ILogger logger, string eventId, string target, int attempt, string error);

    [LoggerMessage(EventId = 9404, Level = LogLevel.Warning, Message = "Webhook subscription {SubscriptionId} of tenant {TenantId} disabled: every try failed for {DisableAfter}")]
    private static partial void LogDisabled(ILogger logger, string subscriptionId, string tenantId, TimeSpan disableAfter);

    [LoggerMessage(EventId = 9405, Level = LogLevel.Error, Message = "Event {EventId} could not be published to Event Grid and is dropped: {Error}")]
    private static partial void LogEventGridAbandoned(ILogger logger, string eventId, string error);
}
