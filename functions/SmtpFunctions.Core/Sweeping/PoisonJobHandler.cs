using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Sweeping;

/// <summary>
/// Handles one message of <c>outbound-poison</c>, a job whose handling failed <c>maxDequeueCount</c> times in a row: what
/// the <c>RedrivePoisonedJob</c> trigger and the local host's poison watcher call.
/// </summary>
/// <remarks>
/// Poisoned jobs are counted (<c>smtpfunctions.delivery.poisoned</c>). A delivery job's recipients are re-driven after
/// <c>Sweeper:PoisonRedriveDelay</c>, each at most <c>Sweeper:MaxPoisonRedrives</c> times (<see cref="RecipientEntity.PoisonCount"/>);
/// the next time fails them for good with <c>5.3.0</c> and requests their DSN, as a queue lifetime would. A bounce job is
/// re-sent on the same terms, after which its failures stop waiting for a DSN. A body that is not a job is logged, counted
/// and dropped. Only infrastructure faults escape (the trigger retries those).
/// </remarks>
public sealed partial class PoisonJobHandler(
    StatusStore status,
    Redriver redriver,
    EventPublisher events,
    MailMetrics metrics,
    TimeProvider time,
    IOptions<SweeperOptions> options,
    ILogger<PoisonJobHandler> logger)
{
    /// <summary>Status text of a recipient failed because its job could never be handled.</summary>
    public static readonly DeliveryReply RepeatedInternalError = FailureClassifier.Permanent("5.3.0", "delivery failed repeatedly with an internal error");

    private readonly SweeperOptions _options = options.Value;

    /// <summary>Handles one poison-queue message body.</summary>
    public async Task<PoisonDisposition> HandleAsync(BinaryData body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!TryRead(body, out var job))
        {
            metrics.Poisoned.Add(1, new KeyValuePair<string, object?>("kind", "malformed"));
            LogMalformed(logger, body.ToMemory().Length);
            return PoisonDisposition.Malformed;
        }

        var bounce = job.Kind == DeliveryJob.BounceKind;
        metrics.Poisoned.Add(1, new KeyValuePair<string, object?>("kind", bounce ? "bounce" : "deliver"));
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MessageId"] = job.MessageId, ["RecipientDomain"] = job.Domain });
        LogPoisoned(logger, job.MessageId, job.Domain, job.Round, bounce ? "bounce" : "deliver");

        var (message, rows) = await status.GetAsync(job.MessageId, cancellationToken);
        if (message is null || message.SubmissionToken != job.SubmissionToken)
        {
            LogOrphan(logger, job.MessageId, job.Domain);
            return PoisonDisposition.Orphan;
        }

        var now = time.GetUtcNow();
        return bounce ? await BounceAsync(message, rows, now, cancellationToken) : await DeliverAsync(job, message, rows, now, cancellationToken);
    }

    private async Task<PoisonDisposition> DeliverAsync(
        DeliveryJob job, MessageEntity message, List<RecipientEntity> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // A row already in a later round belongs to a newer job (a retry or a re-drive) that is on its way; a live lease
        // to an attempt that is running now.
        var wanted = new HashSet<string>(job.Recipients, StringComparer.OrdinalIgnoreCase);
        var pending = rows
            .Where(r => wanted.Contains(r.Address) && !RecipientStatus.IsFinal(r.Status) && r.Round <= job.Round && !Redriver.HeldByLiveLease(r, now))
            .ToList();
        if (pending.Count == 0)
        {
            return PoisonDisposition.NothingPending;
        }

        foreach (var row in pending)
        {
            row.PoisonCount++;
        }

        var giveUp = pending.Where(r => r.PoisonCount > _options.MaxPoisonRedrives).ToList();
        var again = pending.Where(r => r.PoisonCount <= _options.MaxPoisonRedrives).ToList();
        if (again.Count > 0)
        {
            await redriver.RedriveAsync(message, again, now, _options.PoisonRedriveDelay, RedriveReason.Poisoned, cancellationToken);
        }

        if (giveUp.Count == 0)
        {
            return PoisonDisposition.Redriven;
        }

        var reply = RepeatedInternalError;
        var dsn = message.Sender.Length > 0;
        foreach (var row in giveUp)
        {
            row.Status = RecipientStatus.Failed;
            row.LastResponse = reply.ToString();
            row.LastReplyCode = reply.Code;
            row.LastEnhancedCode = reply.EnhancedCode;
            row.NextAttemptAt = null;
            row.LeaseOwner = null;
            row.LeaseUntil = null;
            row.UpdatedAt = now;
            row.DsnPending = dsn;

            // The bounce job gets a budget of its own.
            row.PoisonCount = 0;
        }

        // EVENTS HOOK (bounced after repeated poisoning): the intent rides in the same transaction.
        var intent = events.Intent(message.PartitionKey, giveUp.Select(r => EventPublisher.Capture(r, EventTypes.Bounced, r.EventSeq + 1, now)).ToList());
        try
        {
            await status.UpdateRecipientsAsync(giveUp, intent, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
        {
            // Something moved them while we looked (a late attempt finished): it decides.
            return PoisonDisposition.NothingPending;
        }

        await events.PublishAsync(intent, cancellationToken);
        foreach (var row in giveUp)
        {
            metrics.Attempts.Add(1, new KeyValuePair<string, object?>("outcome", "failed"), new KeyValuePair<string, object?>("domain", row.Domain));
            LogGaveUp(logger, row.Address, job.Domain, row.LastResponse!, _options.MaxPoisonRedrives);
        }

        if (dsn)
        {
            await redriver.RequestBounceAsync(message, giveUp.Max(r => r.Round), now, TimeSpan.Zero, cancellationToken);
        }

        return PoisonDisposition.Failed;
    }

    private async Task<PoisonDisposition> BounceAsync(MessageEntity message, List<RecipientEntity> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var unreported = rows.Where(r => r.DsnPending).ToList();
        if (unreported.Count == 0)
        {
            return PoisonDisposition.NothingPending;
        }

        foreach (var row in unreported)
        {
            row.PoisonCount++;
        }

        var abandon = unreported.Any(r => r.PoisonCount > _options.MaxPoisonRedrives);
        if (abandon)
        {
            foreach (var row in unreported)
            {
                row.DsnPending = false;
                row.UpdatedAt = now;
            }
        }

        try
        {
            await status.UpdateRecipientsAsync(unreported, cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
        {
            // A bounce collection got to them meanwhile.
            return PoisonDisposition.NothingPending;
        }

        if (abandon)
        {
            LogDsnAbandoned(logger, message.PartitionKey, message.Sender, unreported.Count);
            return PoisonDisposition.DsnAbandoned;
        }

        await redriver.RequestBounceAsync(message, unreported.Max(r => r.Round), now, _options.PoisonRedriveDelay, cancellationToken);
        return PoisonDisposition.Redriven;
    }

    private static bool TryRead(BinaryData body, out DeliveryJob job)
    {
        try
        {
            job = OutboundQueue.Deserialize(body);
            return job.MessageId.Length > 0;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            job = null!;
            return false;
        }
    }

    [LoggerMessage(EventId = 8020, Level = LogLevel.Warning,
        Message = "Poisoned {Kind} job for {MessageId} ({RecipientDomain}) round {Round}: its handling failed maxDequeueCount times")]
    private static partial void LogPoisoned(ILogger logger, string messageId, string recipientDomain, int round, string kind);

    [LoggerMessage(EventId = 8021, Level = LogLevel.Error, Message = "Dropped a poison-queue message of {Length} octets that is not a delivery job")]
    private static partial void LogMalformed(ILogger logger, int length);

    [LoggerMessage(EventId = 8022, Level = LogLevel.Information, Message = "Poisoned job for {MessageId} ({RecipientDomain}) matches no committed submission; dropped")]
    private static partial void LogOrphan(ILogger logger, string messageId, string recipientDomain);

    [LoggerMessage(EventId = 8023, Level = LogLevel.Error,
        Message = "to=<{Recipient}> status=failed ({Reply}): its jobs for {RecipientDomain} were poisoned more than {Limit} re-drives")]
    private static partial void LogGaveUp(ILogger logger, string recipient, string recipientDomain, string reply, int limit);

    [LoggerMessage(EventId = 8024, Level = LogLevel.Error,
        Message = "DSN of {MessageId} to <{Sender}> abandoned after repeated failures: {Count} failed recipients are not reported")]
    private static partial void LogDsnAbandoned(ILogger logger, string messageId, string sender, int count);
}
