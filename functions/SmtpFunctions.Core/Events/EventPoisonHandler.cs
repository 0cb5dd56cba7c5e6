using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmtpFunctions.Core.Options;
using SmtpFunctions.Core.Telemetry;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// Handles one message of <c>events-poison</c>: what the <c>RedrivePoisonedEvent</c> trigger and the local poison
/// listener call. A message lands there only when the dispatcher threw <c>maxDequeueCount</c> times (storage trouble:
/// webhook failures never throw), so it is put back on <c>events</c> after the next wait of
/// <c>Events:PoisonRedriveSchedule</c>, when the trouble has likely passed.
/// </summary>
/// <remarks>
/// When the schedule is used up, nothing durable is dropped: a webhook delivery is kept for the subscription's replay,
/// and an intent's row is still in its message's partition, where the sweeper finds it and sends it again. Only a
/// submission's accepted events, which have no row of their own, are dropped then (event 9412, error), as is a body
/// that is no event message at all.
/// </remarks>
public sealed partial class EventPoisonHandler(
    EventQueue queue, EventDispatcher dispatcher, MailMetrics metrics, IOptions<EventsOptions> options, ILogger<EventPoisonHandler> logger)
{
    private readonly IReadOnlyList<TimeSpan> _delays = options.Value.PoisonRedriveDelays();

    /// <summary>Handles one poisoned body. Throws only for infrastructure faults (the queue retries those).</summary>
    public async Task HandleAsync(BinaryData body, CancellationToken cancellationToken)
    {
        EventQueueMessage message;
        try
        {
            message = EventQueue.Deserialize(body);
        }
        catch (JsonException ex)
        {
            Count("unknown", "dropped");
            LogMalformed(logger, ex.Message);
            return;
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["MessageId"] = message.MessageId });
        if (message.Redrives < _delays.Count)
        {
            var delay = _delays[message.Redrives];
            await queue.SendAsync(message with { Redrives = message.Redrives + 1 }, delay, cancellationToken);
            Count(message.Kind, "redriven");
            LogRedriven(logger, message.Kind, message.MessageId, message.Redrives + 1, delay);
            return;
        }

        switch (message.Kind)
        {
            case EventQueueMessage.DeliverKind:
                await dispatcher.KeepForReplayAsync(message, "its dispatch failed on storage errors through every poison re-drive", cancellationToken);
                Count(message.Kind, "kept");
                LogGaveUp(logger, message.Kind, message.MessageId, "kept for the subscription's replay");
                break;
            case EventQueueMessage.IntentKind:
                Count(message.Kind, "left");
                LogGaveUp(logger, message.Kind, message.MessageId, "its intent row stays for the sweeper");
                break;
            default:
                Count(message.Kind, "dropped");
                LogAcceptedDropped(logger, message.MessageId, message.Redrives);
                break;
        }
    }

    private void Count(string kind, string outcome) =>
        metrics.PoisonedEvents.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("outcome", outcome));

    [LoggerMessage(EventId = 9411, Level = LogLevel.Warning, Message = "Poisoned {Kind} event message of {MessageId} put back on the events queue (re-drive {Redrive}) in {Delay}")]
    private static partial void LogRedriven(ILogger logger, string kind, string messageId, int redrive, TimeSpan delay);

    [LoggerMessage(EventId = 9412, Level = LogLevel.Error, Message = "Accepted events of {MessageId} dropped: their dispatch failed on storage errors through {Redrives} poison re-drives")]
    private static partial void LogAcceptedDropped(ILogger logger, string messageId, int redrives);

    [LoggerMessage(EventId = 9413, Level = LogLevel.Warning, Message = "Poisoned {Kind} event message of {MessageId} re-driven for the last time: {Fate}")]
    private static partial void LogGaveUp(ILogger logger, string kind, string messageId, string fate);

    [LoggerMessage(EventId = 9414, Level = LogLevel.Warning, Message = "A message on events-poison is no event message and is dropped: {Reason}")]
    private static partial void LogMalformed(ILogger logger, string reason);
}
