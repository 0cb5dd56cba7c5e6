using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Telemetry;
using SmtpFunctions.FunctionApp.Queues;

namespace SmtpFunctions.FunctionApp;

/// <summary>Queue trigger on <c>outbound</c>: one job = one message × one recipient domain.</summary>
/// <remarks>
/// Delivery outcomes are recorded and retried by Core; an exception here means an infrastructure fault, which the host
/// retries after host.json's visibilityTimeout and moves to <c>outbound-poison</c> after maxDequeueCount. That last
/// failure is counted (<see cref="MailMetrics.DeliveryPoisoned"/>): the host's own warning about it is a trace, which
/// sampling may drop, and the poison-queue alert must not miss one.
/// </remarks>
public sealed class DeliverMessage(DeliveryJobHandler handler, PoisonQueuePolicy poison, MailMetrics metrics)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(DeliverMessage))]
    public async Task RunAsync(
        [QueueTrigger(StorageNames.OutboundQueue, Connection = StorageNames.Connection)] QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await handler.HandleAsync(message.Body, message.DequeueCount, cancellationToken);
        }
        catch (Exception) when (poison.IsLastAttempt(message.DequeueCount) && !cancellationToken.IsCancellationRequested)
        {
            metrics.Poisoned.Add(1);
            throw;
        }
    }
}
