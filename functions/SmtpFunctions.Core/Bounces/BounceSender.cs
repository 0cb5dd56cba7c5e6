using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core.Bounces;

/// <summary>Submits a DSN through the same submission path as any message.</summary>
/// <remarks>
/// The DSN goes to the original envelope sender with the null reverse-path (RFC 5321 §4.5.5, §6.1), and never to
/// <c>&lt;&gt;</c>: a failed DSN is not bounced again. Its idempotency key (from <see cref="BounceCollector"/>) names
/// what it reports, so a report made twice (a crash after the DSN was accepted) produces one DSN, not two.
/// </remarks>
public sealed partial class BounceSender(
    SubmissionService submission,
    MailMetrics metrics,
    TimeProvider time,
    IOptions<DeliveryOptions> options,
    ILogger<BounceSender> logger)
{
    /// <summary>
    /// Submits the DSN. False when none was due (null sender) or it was refused as invalid (logged); throws only when
    /// storage is unavailable, so that the job is retried rather than its failures going unreported.
    /// </summary>
    public async Task<bool> SendAsync(BounceReport report, string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Sender.Length == 0 || report.Recipients.Count == 0)
        {
            return false;
        }

        var dsn = DsnBuilder.Build(report, options.Value.EffectiveLocalDomain, time.GetUtcNow());
        var outcome = await submission.SubmitAsync(new SubmissionRequest
        {
            // The system's namespace: no caller's Idempotency-Key can name (or pre-empt) a DSN's id.
            TenantId = TenantIds.System,
            SuppressionList = report.SuppressionList,
            Source = SubmissionSource.Bounce,
            Payload = new MessagePayload(dsn),
            Envelope = new SubmissionEnvelope(null, [report.Sender]),
            IdempotencyKey = idempotencyKey,
        }, cancellationToken);

        if (outcome.Receipt is { } receipt)
        {
            if (!receipt.Replayed)
            {
                metrics.Bounces.Add(1);
            }

            LogBounced(logger, report.MessageId, report.Sender, receipt.MessageId, report.Recipients.Count);
            return true;
        }

        var error = outcome.Error!;
        if (error.Kind == SubmissionErrorKind.StorageUnavailable)
        {
            throw new InvalidOperationException($"Storage unavailable while submitting the DSN for {report.MessageId}: {error.Detail}");
        }

        LogBounceRefused(logger, report.MessageId, report.Sender, error.Kind.ToString(), error.Detail ?? error.Title);
        return false;
    }

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "DSN for {MessageId} to <{Sender}> queued as {DsnId} ({FailedCount} failed recipients)")]
    private static partial void LogBounced(ILogger logger, string messageId, string sender, string dsnId, int failedCount);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Error, Message = "DSN for {MessageId} to <{Sender}> refused by submission ({Kind}): {Detail}")]
    private static partial void LogBounceRefused(ILogger logger, string messageId, string sender, string kind, string detail);
}
