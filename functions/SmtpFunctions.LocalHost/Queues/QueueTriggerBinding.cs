using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.Events;
using SmtpFunctions.Core.Storage;

namespace SmtpFunctions.LocalHost.Queues;

/// <summary>One queue-triggered function as the local listener plays it: its queue, its poison queue and its handler.</summary>
/// <param name="FunctionName">The function app's name for it (in logs).</param>
/// <param name="Queue">The queue it is triggered by.</param>
/// <param name="PoisonQueue">Where messages go after <c>maxDequeueCount</c> failures.</param>
/// <param name="Handle">The Core call the function app's trigger makes: body, dequeue count, cancellation.</param>
/// <param name="Account">The account both queues are in: a delivery shard's (<see cref="ShardAccounts"/>), the main one for events.</param>
internal sealed record QueueTriggerBinding(string FunctionName, string Queue, string PoisonQueue, Func<BinaryData, long, CancellationToken, Task> Handle, StorageAccount Account)
{
    /// <summary>
    /// <c>DeliverMessage</c> on <c>outbound</c> for shard 0, <c>DeliverMessageShardN</c> on <c>outbound-N</c> for the others,
    /// as the function app names them.
    /// </summary>
    public static QueueTriggerBinding Deliver(IServiceProvider services, QueueShard shard)
    {
        var handler = services.GetRequiredService<DeliveryJobHandler>();
        var name = shard.Number == 0 ? "DeliverMessage" : $"DeliverMessageShard{shard.Number}";
        var account = services.GetRequiredService<ShardAccounts>().For(shard.Number);
        return new(name, StorageShards.QueueName(shard.Number), StorageShards.PoisonQueueName(shard.Number), handler.HandleAsync, account);
    }

    /// <summary><c>DispatchEvents</c> on <c>events</c>.</summary>
    public static QueueTriggerBinding Events(IServiceProvider services)
    {
        var dispatcher = services.GetRequiredService<EventDispatcher>();
        return new("DispatchEvents", StorageNames.EventsQueue, StorageNames.EventsPoisonQueue, (body, _, ct) => dispatcher.HandleAsync(body, ct), services.GetRequiredService<StorageAccount>());
    }

    /// <summary><c>RedrivePoisonedEvent</c> on <c>events-poison</c>.</summary>
    public static QueueTriggerBinding EventsPoison(IServiceProvider services)
    {
        var handler = services.GetRequiredService<EventPoisonHandler>();
        return new("RedrivePoisonedEvent", StorageNames.EventsPoisonQueue, StorageNames.EventsPoisonPoisonQueue, (body, _, ct) => handler.HandleAsync(body, ct), services.GetRequiredService<StorageAccount>());
    }
}
