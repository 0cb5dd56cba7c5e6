using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// The delivery and submission paths' only contact with events: captures a status change as an event on the row being
/// written (its sequence number) and in an intent written with it, then enqueues the intent once the write succeeded.
/// </summary>
/// <remarks>
/// The enqueue is the one storage request events add to a status change. It is tried once: a failure (or a crash before
/// it) leaves the intent row, which the sweeper finds after <c>Events:IntentGrace</c> and sends again, so the delivery
/// path never waits on events and no event is lost.
/// </remarks>
public sealed partial class EventPublisher(EventQueue queue, EventDemand demand, MailMetrics metrics, TimeProvider time, IOptions<EventsOptions> options, ILogger<EventPublisher> logger)
{
    /// <summary>Whether events are on (<c>Events:Enabled</c>).</summary>
    public bool Enabled { get; } = options.Value.Enabled;

    /// <summary>
    /// Stamps <paramref name="row"/> with its next event number and returns the event, as the row now says. Call after the
    /// row holds the new state and before it is written; <paramref name="sequence"/> is the number to give (computed once
    /// per write, so a write tried again does not count twice).
    /// </summary>
    public static RecipientEvent Capture(RecipientEntity row, string type, int sequence, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(row);
        row.EventSeq = sequence;
        return new RecipientEvent
        {
            Type = type,
            Sequence = sequence,
            Recipient = row.Address,
            Time = now,
            Attempts = row.Attempts,
            NextAttemptAt = type == EventTypes.Deferred ? row.NextAttemptAt : null,
            ReplyCode = row.LastReplyCode,
            EnhancedCode = row.LastEnhancedCode,
            Response = row.LastResponse,
            MxHost = row.MxHost,
            Tls = row.Tls,
            TlsDetails = row.TlsDetails,
        };
    }

    /// <summary>The intent for events captured for one write, or null when events are off, nobody takes them, or there are none.</summary>
    public EventIntentEntity? Intent(string messageId, IReadOnlyList<RecipientEvent> events) =>
        Enabled && events.Count > 0 && demand.Wanted ? EventIntentEntity.For(messageId, events, time.GetUtcNow()) : null;

    /// <summary>After the write that carried <paramref name="intent"/> succeeded: enqueue it. Never throws for storage trouble.</summary>
    public async Task PublishAsync(EventIntentEntity? intent, CancellationToken cancellationToken)
    {
        if (intent is null)
        {
            return;
        }

        try
        {
            await queue.SendAsync(EventQueueMessage.ForIntent(intent), TimeSpan.Zero, cancellationToken);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException || Storage.StorageFaults.IsUnavailable(ex))
        {
            metrics.LateIntents.Add(1, new KeyValuePair<string, object?>("stage", "enqueue"));
            LogEnqueueFailed(logger, intent.PartitionKey, intent.RowKey, ex.Message);
        }
    }

    /// <summary>The accepted/suppressed events of a submission, queued before its commit (the dispatcher checks the commit).</summary>
    public async Task AcceptedAsync(string messageId, string submissionToken, DateTimeOffset submittedAt, CancellationToken cancellationToken)
    {
        if (!Enabled || !demand.Wanted)
        {
            return;
        }

        await queue.SendAsync(
            new EventQueueMessage { Kind = EventQueueMessage.AcceptedKind, MessageId = messageId, SubmissionToken = submissionToken, SubmittedAt = submittedAt },
            TimeSpan.Zero,
            cancellationToken);
    }

    [LoggerMessage(EventId = 9401, Level = LogLevel.Warning, Message = "Enqueueing event intent {IntentRowKey} of {MessageId} failed; the sweeper sends it later: {Reason}")]
    private static partial void LogEnqueueFailed(ILogger logger, string messageId, string intentRowKey, string reason);
}
