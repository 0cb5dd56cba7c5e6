using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Sweeping;

namespace SmtpFunctions.FunctionApp;

/// <summary>Queue trigger on <c>outbound-poison</c>: a job whose handling failed maxDequeueCount times (<see cref="PoisonJobHandler"/>).</summary>
/// <remarks>
/// Malformed bodies are dropped by Core, not thrown; an exception here is an infrastructure fault, retried by the host
/// and after maxDequeueCount moved to <c>outbound-poison-poison</c>.
/// </remarks>
public sealed class RedrivePoisonedJob(PoisonJobHandler handler)
{
    /// <summary>The trigger.</summary>
    [Function(nameof(RedrivePoisonedJob))]
    public Task RunAsync(
        [QueueTrigger(StorageNames.OutboundPoisonQueue, Connection = StorageNames.Connection)] QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return handler.HandleAsync(message.Body, cancellationToken);
    }
}
