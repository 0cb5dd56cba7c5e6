namespace SmtpFunctions.Core.Events;

/// <summary>One message on the <c>events</c> queue: something the dispatcher is to do.</summary>
public sealed record EventQueueMessage
{
    /// <summary>A message was accepted (sent before its commit, like its delivery jobs): its accepted/suppressed events.</summary>
    public const string AcceptedKind = "accepted";

    /// <summary>An intent row to dispatch.</summary>
    public const string IntentKind = "intent";

    /// <summary>One event to one target, to be tried (again).</summary>
    public const string DeliverKind = "deliver";

    /// <summary>The message that has the dispatcher send an intent row's events.</summary>
    public static EventQueueMessage ForIntent(EventIntentEntity intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        return new EventQueueMessage { Kind = IntentKind, MessageId = intent.PartitionKey, IntentRowKey = intent.RowKey };
    }

    /// <summary>What to do.</summary>
    public required string Kind { get; init; }

    /// <summary>The message the events are about.</summary>
    public required string MessageId { get; init; }

    /// <summary>Accepted: the submission token the commit must carry (another token: an orphan, dropped).</summary>
    public string? SubmissionToken { get; init; }

    /// <summary>Accepted: when it was submitted (an orphan is told apart after the orphan grace).</summary>
    public DateTimeOffset? SubmittedAt { get; init; }

    /// <summary>Intent: the RowKey of the intent row.</summary>
    public string? IntentRowKey { get; init; }

    /// <summary>Deliver: the tenant of the subscription.</summary>
    public string? TenantId { get; init; }

    /// <summary>Deliver: the subscription id, or <see cref="WebhookTargets.EventGrid"/>.</summary>
    public string? Target { get; init; }

    /// <summary>Deliver: the CloudEvent, as JSON text.</summary>
    public string? Event { get; init; }

    /// <summary>Deliver: the CloudEvent's id.</summary>
    public string? EventId { get; init; }

    /// <summary>Deliver: tries made so far.</summary>
    public int Attempt { get; init; }

    /// <summary>Times this message came back from <c>events-poison</c> (any kind).</summary>
    public int Redrives { get; init; }
}
