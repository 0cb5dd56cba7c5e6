using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.FunctionApp;

/// <summary>
/// Queue triggers on the delivery queues of shards 1–7 (<c>Storage:Shards</c>), bound through <see cref="ShardQueueSettings"/>;
/// each does what <see cref="DeliverMessage"/> does on <c>outbound</c>. The host moves what fails maxDequeueCount times to
/// the shard's own <c>{queue}-poison</c>, which <see cref="RedrivePoisonedJobShards"/> reads.
/// </summary>
/// <remarks>The triggers of shards past the configured count are disabled by app setting (infra/app/functionapp.bicep).</remarks>
public sealed class DeliverMessageShards(DeliveryJobHandler handler)
{
    /// <summary>Shard 1's trigger.</summary>
    [Function("DeliverMessageShard1")]
    public Task Shard1Async([QueueTrigger("%Shard1Queue%", Connection = ShardQueueSettings.Shard1Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 2's trigger.</summary>
    [Function("DeliverMessageShard2")]
    public Task Shard2Async([QueueTrigger("%Shard2Queue%", Connection = ShardQueueSettings.Shard2Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 3's trigger.</summary>
    [Function("DeliverMessageShard3")]
    public Task Shard3Async([QueueTrigger("%Shard3Queue%", Connection = ShardQueueSettings.Shard3Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 4's trigger.</summary>
    [Function("DeliverMessageShard4")]
    public Task Shard4Async([QueueTrigger("%Shard4Queue%", Connection = ShardQueueSettings.Shard4Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 5's trigger.</summary>
    [Function("DeliverMessageShard5")]
    public Task Shard5Async([QueueTrigger("%Shard5Queue%", Connection = ShardQueueSettings.Shard5Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 6's trigger.</summary>
    [Function("DeliverMessageShard6")]
    public Task Shard6Async([QueueTrigger("%Shard6Queue%", Connection = ShardQueueSettings.Shard6Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 7's trigger.</summary>
    [Function("DeliverMessageShard7")]
    public Task Shard7Async([QueueTrigger("%Shard7Queue%", Connection = ShardQueueSettings.Shard7Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    private async Task RunAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await handler.HandleAsync(message.Body, message.DequeueCount, cancellationToken);
    }
}
