using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.FunctionApp;

/// <summary>Queue trigger on <c>events-poison</c>: an event message the dispatcher failed on maxDequeueCount times (<see cref="EventPoisonHandler"/>).</summary>
/// <remarks>
/// Malformed bodies are dropped by Core, not thrown; an exception here is an infrastructure fault, retried by the host
/// and after maxDequeueCount moved to <c>events-poison-poison</c>.
/// </remarks>
public sealed class RedrivePoisonedEvent(EventPoisonHandler handler)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(RedrivePoisonedEvent))]
    public Task RunAsync(
        [QueueTrigger(StorageNames.EventsPoisonQueue, Connection = StorageNames.Connection)] QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return handler.HandleAsync(message.Body, cancellationToken);
    }
}
