using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Sweeping;

/// <summary>
/// Puts recipients whose job is gone back on the queue: a new round on their rows (so any surviving copy of the old job
/// is stale and leaves them alone), then a job for that round rebuilt from the message row. Used by the sweeper and the
/// poison-queue watcher.
/// </summary>
/// <remarks>
/// The rows of one domain are updated in one ETag-checked table transaction before the job is sent: a sweeper racing
/// another (or a job that moved them meanwhile) gets a 412 and sends nothing, so one re-drive makes one job. Should the
/// send fail after the update, the rows are overdue again at the next sweep.
/// </remarks>
public sealed partial class Redriver(StatusStore status, OutboundQueue queue, MailMetrics metrics, ILogger<Redriver> logger)
{
    /// <summary>
    /// Re-drives <paramref name="rows"/> (non-final recipients of <paramref name="message"/>), one job per domain, due
    /// <paramref name="delay"/> after <paramref name="now"/>. Rows held by a live lease are left to their attempt.
    /// </summary>
    /// <returns>The rows re-driven (those whose update won).</returns>
    public async Task<IReadOnlyList<RecipientEntity>> RedriveAsync(
        MessageEntity message, IReadOnlyList<RecipientEntity> rows, DateTimeOffset now, TimeSpan delay, RedriveReason reason,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(rows);
        var redriven = new List<RecipientEntity>();
        var free = rows.Where(r => !RecipientStatus.IsFinal(r.Status) && !HeldByLiveLease(r, now));
        foreach (var group in free.GroupBy(r => r.Domain, StringComparer.OrdinalIgnoreCase))
        {
            var members = group.ToList();
            var round = members.Max(r => r.Round) + 1;
            var dueAt = now + delay;
            foreach (var row in members)
            {
                row.Status = row.Status == RecipientStatus.Delivering
                    ? (row.Attempts > 0 ? RecipientStatus.Deferred : RecipientStatus.Queued)
                    : row.Status;
                row.Round = round;
                row.NextAttemptAt = dueAt;
                row.LeaseOwner = null;
                row.LeaseUntil = null;
                row.UpdatedAt = now;
            }

            try
            {
                await status.UpdateRecipientsAsync(members, cancellationToken);
            }
            catch (TableTransactionFailedException ex) when (ex.Status is 412 or 404)
            {
                LogMovedMeanwhile(logger, message.PartitionKey, group.Key);
                continue;
            }

            var job = JobFor(message, group.Key, members.Select(r => r.Address).ToList(), round, dueAt);
            await queue.SendAsync(job, WholeSeconds(delay), cancellationToken);
            metrics.Redriven.Add(members.Count, Reason(reason), new KeyValuePair<string, object?>("domain", group.Key));
            LogRedriven(logger, message.PartitionKey, group.Key, members.Count, round, ReasonName(reason), dueAt);
            redriven.AddRange(members);
        }

        return redriven;
    }

    /// <summary>Enqueues a bounce job: collect the message's failures that are waiting for their DSN into one.</summary>
    public async Task RequestBounceAsync(MessageEntity message, int round, DateTimeOffset now, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var job = JobFor(message, "", [], round, now + delay) with { Kind = DeliveryJob.BounceKind };
        await queue.SendAsync(job, WholeSeconds(delay), cancellationToken);
        LogBounceRequested(logger, message.PartitionKey, round);
    }

    /// <summary>A delivery job for <paramref name="recipients"/> of <paramref name="domain"/>, rebuilt from the message row.</summary>
    public static DeliveryJob JobFor(MessageEntity message, string domain, IReadOnlyList<string> recipients, int round, DateTimeOffset dueAt)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new DeliveryJob
        {
            // A partition committed before RowKeys carried the message id is read under the legacy keys, as its jobs said.
            Version = message.RowKey == MessageEntity.LegacyRowKey ? 1 : DeliveryJob.CurrentVersion,
            MessageId = message.PartitionKey,
            SubmissionToken = message.SubmissionToken,
            Domain = domain,
            Recipients = recipients,
            Sender = message.Sender.Length == 0 ? null : message.Sender,
            BlobName = message.BlobName,
            Size = message.Size,
            RequiresSmtpUtf8 = message.RequiresSmtpUtf8,
            EightBit = message.EightBit,
            SubmittedAt = message.SubmittedAt,
            SuppressionList = message.SuppressionListId(),
            Round = round,
            DueAt = dueAt,
        };
    }

    /// <summary>True while an attempt holds the row: it will record an outcome, and taking the row from it could send twice.</summary>
    public static bool HeldByLiveLease(RecipientEntity row, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Status == RecipientStatus.Delivering && row.LeaseUntil is { } until && until > now;
    }

    private static TimeSpan WholeSeconds(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds));

    private static KeyValuePair<string, object?> Reason(RedriveReason reason) => new("reason", ReasonName(reason));

    private static string ReasonName(RedriveReason reason) => reason == RedriveReason.Poisoned ? "poisoned" : "overdue";

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning,
        Message = "Re-drove {Count} recipients of {MessageId} ({RecipientDomain}) as round {Round} ({Reason}), due {DueAt:o}")]
    private static partial void LogRedriven(ILogger logger, string messageId, string recipientDomain, int count, int round, string reason, DateTimeOffset dueAt);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Information,
        Message = "Recipients of {MessageId} ({RecipientDomain}) changed while being re-driven; left to whoever moved them")]
    private static partial void LogMovedMeanwhile(ILogger logger, string messageId, string recipientDomain);

    [LoggerMessage(EventId = 8003, Level = LogLevel.Warning, Message = "Requested the DSN of {MessageId} again (round {Round})")]
    private static partial void LogBounceRequested(ILogger logger, string messageId, int round);
}
