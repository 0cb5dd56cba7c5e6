using Microsoft.Extensions.Logging;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.Core.Delivery;

/// <summary>
/// Delivery's entry point for one queue message: what the <c>DeliverMessage</c> trigger and the local queue listener call.
/// </summary>
/// <remarks>
/// Only infrastructure faults escape as exceptions (so the platform's dequeue count and poison queue catch crashes);
/// SMTP and DNS outcomes are recorded and retried by re-enqueueing, never thrown.
/// </remarks>
public sealed partial class DeliveryJobHandler(StatusStore status, ILogger<DeliveryJobHandler> logger)
{
    /// <summary>Handles one job given as the queue message body.</summary>
    public async Task HandleAsync(BinaryData body, long dequeueCount, CancellationToken cancellationToken)
    {
        var job = OutboundQueue.Deserialize(body);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MessageId"] = job.MessageId, ["RecipientDomain"] = job.Domain });
        var message = await status.GetMessageAsync(job.MessageId, cancellationToken);
        if (message is null || message.SubmissionToken != job.SubmissionToken)
        {
            LogOrphan(logger, job.MessageId, job.Domain, dequeueCount);
            return;
        }

        throw new NotImplementedException("Delivery is being built in issue 3.");
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Dropping job for {MessageId} ({RecipientDomain}): no committed submission matches it (dequeue {DequeueCount})")]
    private static partial void LogOrphan(ILogger logger, string messageId, string recipientDomain, long dequeueCount);
}
