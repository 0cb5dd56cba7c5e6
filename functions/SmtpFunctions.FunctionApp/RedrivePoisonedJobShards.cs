using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Sweeping;

namespace SmtpFunctions.FunctionApp;

/// <summary>
/// Queue triggers on the poison queues of shards 1–7, bound through <see cref="ShardQueueSettings"/>; each does what
/// <see cref="RedrivePoisonedJob"/> does on <c>outbound-poison</c> (a re-driven job goes back to its message's shard).
/// </summary>
/// <remarks>The triggers of shards past the configured count are disabled by app setting (infra/app/functionapp.bicep).</remarks>
public sealed class RedrivePoisonedJobShards(PoisonJobHandler handler)
{
    /// <summary>Shard 1's trigger.</summary>
    [Function("RedrivePoisonedJobShard1")]
    public Task Shard1Async([QueueTrigger("%Shard1PoisonQueue%", Connection = ShardQueueSettings.Shard1Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 2's trigger.</summary>
    [Function("RedrivePoisonedJobShard2")]
    public Task Shard2Async([QueueTrigger("%Shard2PoisonQueue%", Connection = ShardQueueSettings.Shard2Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 3's trigger.</summary>
    [Function("RedrivePoisonedJobShard3")]
    public Task Shard3Async([QueueTrigger("%Shard3PoisonQueue%", Connection = ShardQueueSettings.Shard3Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 4's trigger.</summary>
    [Function("RedrivePoisonedJobShard4")]
    public Task Shard4Async([QueueTrigger("%Shard4PoisonQueue%", Connection = ShardQueueSettings.Shard4Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 5's trigger.</summary>
    [Function("RedrivePoisonedJobShard5")]
    public Task Shard5Async([QueueTrigger("%Shard5PoisonQueue%", Connection = ShardQueueSettings.Shard5Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 6's trigger.</summary>
    [Function("RedrivePoisonedJobShard6")]
    public Task Shard6Async([QueueTrigger("%Shard6PoisonQueue%", Connection = ShardQueueSettings.Shard6Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    /// <summary>Shard 7's trigger.</summary>
    [Function("RedrivePoisonedJobShard7")]
    public Task Shard7Async([QueueTrigger("%Shard7PoisonQueue%", Connection = ShardQueueSettings.Shard7Connection)] QueueMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, cancellationToken);

    private async Task RunAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await handler.HandleAsync(message.Body, cancellationToken);
    }
}
