using System.Diagnostics.Metrics;

namespace SmtpFunctions.Core.Telemetry;

/// <summary>
/// Every metric the system emits, in one place; names follow OpenTelemetry conventions and are documented in
/// <c>docs/telemetry.md</c>. The Azure Monitor exporter sends them to Application Insights as custom metrics.
/// </summary>
public sealed class MailMetrics
{
    /// <summary>Name of the meter (what the OpenTelemetry pipeline subscribes to).</summary>
    public const string MeterName = "SmtpFunctions";

    /// <summary>Counter: messages accepted, by <c>source</c>.</summary>
    public const string MessagesSubmitted = "smtpfunctions.messages.submitted";

    /// <summary>Counter: submissions refused, by <c>source</c> and <c>reason</c>.</summary>
    public const string SubmissionsRejected = "smtpfunctions.submissions.rejected";

    /// <summary>Histogram (s): time to accept a message durably, by <c>source</c>.</summary>
    public const string SubmissionDuration = "smtpfunctions.submission.duration";

    /// <summary>Counter: per-recipient delivery outcomes, by <c>outcome</c> (delivered/deferred/failed/expired/suppressed) and <c>domain</c>.</summary>
    public const string DeliveryAttempts = "smtpfunctions.delivery.attempts";

    /// <summary>Histogram (s): submit → delivered, per recipient, by <c>domain</c>.</summary>
    public const string DeliveryLatency = "smtpfunctions.delivery.latency";

    /// <summary>Histogram (s): how long a job waited in the queue before a worker took it.</summary>
    public const string QueueAge = "smtpfunctions.queue.age";

    /// <summary>Counter: DSNs sent to senders.</summary>
    public const string BouncesSent = "smtpfunctions.bounces.sent";

    /// <summary>Counter: SMTP sessions opened to peers, by <c>reused</c> (connection cache hit or not).</summary>
    public const string SmtpSessions = "smtpfunctions.smtp.sessions";

    /// <summary>Counter: ingress SMTP sessions and their end, by <c>result</c>.</summary>
    public const string IngressSessions = "smtpfunctions.ingress.sessions";

    /// <summary>Counter: addresses added to the suppression list by a permanent mailbox-level failure, by <c>code</c> (enhanced status).</summary>
    public const string SuppressionsAdded = "smtpfunctions.suppressions.added";

    /// <summary>Counter: recipients not sent to because they are suppressed, by <c>stage</c> (submission/delivery).</summary>
    public const string RecipientsSuppressed = "smtpfunctions.recipients.suppressed";

    /// <summary>Counter: jobs put back on the queue by pacing without an attempt, by <c>reason</c> (throttled/concurrency/rate) and <c>domain</c>.</summary>
    public const string PacingDeferrals = "smtpfunctions.pacing.deferrals";

    /// <summary>Counter: destination backoffs started by a throttling reply (421, 4.7.x), by <c>domain</c>.</summary>
    public const string PacingBackoffs = "smtpfunctions.pacing.backoffs";

    /// <summary>Histogram (s): how long a job waited for a session slot or its rate turn before sending.</summary>
    public const string PacingWait = "smtpfunctions.pacing.wait";

    /// <summary>
    /// Counter: jobs taken from the poison queue, by <c>kind</c> (deliver/bounce/malformed), however they got there (a
    /// handler that failed maxDequeueCount times, a worker that died on its last try, a body the host could not decode).
    /// A metric, so that the alert on it never loses a row to log sampling.
    /// </summary>
    public const string DeliveryPoisoned = "smtpfunctions.delivery.poisoned";

    /// <summary>
    /// Counter: jobs of committed (so accepted) messages that could not be enqueued after the commit and wait for the
    /// sweeper's first look (event 1004).
    /// </summary>
    public const string JobsLeftToSweeper = "smtpfunctions.submission.jobs_left_to_sweeper";

    /// <summary>Counter: recipients put on the queue again by the sweeper or the poison watcher, by <c>reason</c> (overdue/poisoned) and <c>domain</c>.</summary>
    public const string RecipientsRedriven = "smtpfunctions.recipients.redriven";

    /// <summary>Recipients whose message went out whole without a reply to the final dot: the duplicate window.</summary>
    public const string DeliveryUnconfirmed = "smtpfunctions.delivery.unconfirmed";

    /// <summary>Counter: recipient events handed to the targets, by <c>event</c> (accepted, delivered, …); a re-sent intent counts again.</summary>
    public const string EventsDispatched = "smtpfunctions.events.dispatched";

    /// <summary>Counter: tries to send an event to a webhook or Event Grid, by <c>target</c> and <c>outcome</c> (delivered/retried/refused/abandoned).</summary>
    public const string WebhookDeliveries = "smtpfunctions.webhooks.deliveries";

    /// <summary>Counter: event intents whose enqueue failed after their status write (left for the sweeper), or that the sweeper sent again, by <c>stage</c>.</summary>
    public const string EventIntentsLate = "smtpfunctions.events.intents.late";

    /// <summary>Counter: messages taken from <c>events-poison</c>, by <c>kind</c> and <c>outcome</c> (redriven/kept/left/dropped).</summary>
    public const string EventsPoisoned = "smtpfunctions.events.poisoned";

    /// <summary>Creates the instruments on a meter owned by the host's meter factory (no static meter).</summary>
    public MailMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        Submitted = meter.CreateCounter<long>(MessagesSubmitted, "{message}", "Messages accepted durably.");
        Rejected = meter.CreateCounter<long>(SubmissionsRejected, "{message}", "Submissions refused.");
        SubmitDuration = meter.CreateHistogram<double>(SubmissionDuration, "s", "Time to accept a message durably.");
        Attempts = meter.CreateCounter<long>(DeliveryAttempts, "{recipient}", "Per-recipient delivery outcomes.");
        Latency = meter.CreateHistogram<double>(DeliveryLatency, "s", "Submission to delivery, per recipient.");
        Age = meter.CreateHistogram<double>(QueueAge, "s", "Time a job waited in the queue.");
        Bounces = meter.CreateCounter<long>(BouncesSent, "{message}", "Delivery status notifications sent.");
        Sessions = meter.CreateCounter<long>(SmtpSessions, "{session}", "SMTP sessions to peers.");
        Ingress = meter.CreateCounter<long>(IngressSessions, "{session}", "SMTP submission sessions.");
        SuppressionAdds = meter.CreateCounter<long>(SuppressionsAdded, "{address}", "Addresses added to the suppression list.");
        Suppressed = meter.CreateCounter<long>(RecipientsSuppressed, "{recipient}", "Recipients not sent to because they are suppressed.");
        Deferrals = meter.CreateCounter<long>(PacingDeferrals, "{job}", "Jobs re-enqueued by pacing without an attempt.");
        Backoffs = meter.CreateCounter<long>(PacingBackoffs, "{backoff}", "Destination backoffs started by throttling replies.");
        PacingWaited = meter.CreateHistogram<double>(PacingWait, "s", "Time a job waited for a session slot or rate turn.");
        Poisoned = meter.CreateCounter<long>(DeliveryPoisoned, "{job}", "Jobs taken from the poison queue.");
        LeftToSweeper = meter.CreateCounter<long>(JobsLeftToSweeper, "{job}", "Jobs of accepted messages not enqueued after the commit: the sweeper re-drives them.");
        Redriven = meter.CreateCounter<long>(RecipientsRedriven, "{recipient}", "Recipients re-driven outside their job's retry chain.");
        Unconfirmed = meter.CreateCounter<long>(DeliveryUnconfirmed, "{recipient}", "Recipients sent the whole message without a reply to it.");
        Dispatched = meter.CreateCounter<long>(EventsDispatched, "{event}", "Recipient events handed to webhooks and Event Grid.");
        WebhookTries = meter.CreateCounter<long>(WebhookDeliveries, "{try}", "Tries to send an event to a webhook or Event Grid.");
        LateIntents = meter.CreateCounter<long>(EventIntentsLate, "{intent}", "Event intents left for (or sent again by) the sweeper.");
        PoisonedEvents = meter.CreateCounter<long>(EventsPoisoned, "{message}", "Messages taken from the events poison queue.");
    }

    /// <summary>See <see cref="MessagesSubmitted"/>.</summary>
    public Counter<long> Submitted { get; }

    /// <summary>See <see cref="SubmissionsRejected"/>.</summary>
    public Counter<long> Rejected { get; }

    /// <summary>See <see cref="SubmissionDuration"/>.</summary>
    public Histogram<double> SubmitDuration { get; }

    /// <summary>See <see cref="DeliveryAttempts"/>.</summary>
    public Counter<long> Attempts { get; }

    /// <summary>See <see cref="DeliveryLatency"/>.</summary>
    public Histogram<double> Latency { get; }

    /// <summary>See <see cref="QueueAge"/>.</summary>
    public Histogram<double> Age { get; }

    /// <summary>See <see cref="BouncesSent"/>.</summary>
    public Counter<long> Bounces { get; }

    /// <summary>See <see cref="SmtpSessions"/>.</summary>
    public Counter<long> Sessions { get; }

    /// <summary>See <see cref="IngressSessions"/>.</summary>
    public Counter<long> Ingress { get; }

    /// <summary>See <see cref="SuppressionsAdded"/>.</summary>
    public Counter<long> SuppressionAdds { get; }

    /// <summary>See <see cref="RecipientsSuppressed"/>.</summary>
    public Counter<long> Suppressed { get; }

    /// <summary>See <see cref="PacingDeferrals"/>.</summary>
    public Counter<long> Deferrals { get; }

    /// <summary>See <see cref="PacingBackoffs"/>.</summary>
    public Counter<long> Backoffs { get; }

    /// <summary>See <see cref="PacingWait"/>.</summary>
    public Histogram<double> PacingWaited { get; }

    /// <summary>See <see cref="DeliveryPoisoned"/>.</summary>
    public Counter<long> Poisoned { get; }

    /// <summary>See <see cref="JobsLeftToSweeper"/>.</summary>
    public Counter<long> LeftToSweeper { get; }

    /// <summary>See <see cref="RecipientsRedriven"/>.</summary>
    public Counter<long> Redriven { get; }

    /// <summary>See <see cref="DeliveryUnconfirmed"/>.</summary>
    public Counter<long> Unconfirmed { get; }

    /// <summary>See <see cref="EventsDispatched"/>.</summary>
    public Counter<long> Dispatched { get; }

    /// <summary>See <see cref="WebhookDeliveries"/>.</summary>
    public Counter<long> WebhookTries { get; }

    /// <summary>See <see cref="EventIntentsLate"/>.</summary>
    public Counter<long> LateIntents { get; }

    /// <summary>See <see cref="EventsPoisoned"/>.</summary>
    public Counter<long> PoisonedEvents { get; }
}
