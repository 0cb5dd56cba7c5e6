using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.FunctionApp;

/// <summary>Queue trigger on <c>events</c>: dispatches an event intent, or tries a webhook delivery again.</summary>
/// <remarks>
/// Webhook failures are recorded and retried by re-enqueueing in Core; an exception here is an infrastructure fault,
/// which the host retries after host.json's visibilityTimeout and moves to <c>events-poison</c> after maxDequeueCount.
/// </remarks>
public sealed class DispatchEvents(EventDispatcher dispatcher)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(DispatchEvents))]
    public async Task RunAsync(
        [QueueTrigger(StorageNames.EventsQueue, Connection = StorageNames.Connection)] QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await dispatcher.HandleAsync(message.Body, cancellationToken);
    }
}
