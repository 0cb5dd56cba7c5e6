using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// Finds event intents again whose queue message never came (a crash, or a failed enqueue, between the status write
/// and the enqueue): the sweeper hands it each message's intent rows, read in the partition query it makes anyway.
/// </summary>
public sealed partial class EventIntentRecovery(EventQueue queue, MailMetrics metrics, IOptions<EventsOptions> options, ILogger<EventIntentRecovery> logger)
{
    private readonly TimeSpan _grace = options.Value.IntentGrace;

    /// <summary>
    /// Sends again every intent older than <c>Events:IntentGrace</c>; returns when the message must be looked at again
    /// (intents are left, so its index row stays), or null when none is left.
    /// </summary>
    public async Task<DateTimeOffset?> ResendAsync(IReadOnlyList<EventIntentEntity> intents, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intents);
        if (intents.Count == 0)
        {
            return null;
        }

        foreach (var intent in intents.Where(i => i.CreatedAt + _grace <= now))
        {
            await queue.SendAsync(EventQueueMessage.ForIntent(intent), TimeSpan.Zero, cancellationToken);
            metrics.LateIntents.Add(1, new KeyValuePair<string, object?>("stage", "sweeper"));
            LogResent(logger, intent.PartitionKey, intent.RowKey, intent.CreatedAt);
        }

        // The dispatcher deletes what it handled; the next look checks that it did.
        return now + _grace;
    }

    [LoggerMessage(EventId = 9406, Level = LogLevel.Warning, Message = "Event intent {IntentRowKey} of {MessageId}, written {CreatedAt:o}, was not dispatched; sent again")]
    private static partial void LogResent(ILogger logger, string messageId, string intentRowKey, DateTimeOffset createdAt);
}
