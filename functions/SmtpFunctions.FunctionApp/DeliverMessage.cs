using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.FunctionApp;

/// <summary>Queue trigger on <c>outbound</c>: one job = one message × one recipient domain (or a bounce collection).</summary>
/// <remarks>
/// Delivery outcomes are recorded and retried by Core; an exception here means an infrastructure fault, which the host
/// retries after host.json's visibilityTimeout and moves to <c>outbound-poison</c> after maxDequeueCount. What arrives
/// there, however it got there, is counted and re-driven by <see cref="RedrivePoisonedJob"/>.
/// </remarks>
public sealed class DeliverMessage(DeliveryJobHandler handler)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(DeliverMessage))]
    public async Task RunAsync(
        [QueueTrigger(StorageNames.OutboundQueue, Connection = StorageNames.Connection)] QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await handler.HandleAsync(message.Body, message.DequeueCount, cancellationToken);
    }
}
