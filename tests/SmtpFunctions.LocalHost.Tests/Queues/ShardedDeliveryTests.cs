using System.Globalization;
using Azure.Storage.Queues;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.LocalHost.Tests.Recovery;
using Xunit.Abstractions;

namespace SmtpFunctions.LocalHost.Tests.Queues;

/// <summary>
/// <c>Storage:Shards</c> = 3 through the real local host process, Azurite, BIND and smtp-sink: the jobs of the messages
/// spread over <c>outbound</c>, <c>outbound-1</c> and <c>outbound-2</c>, and the host's listeners (one per shard)
/// deliver every one, with the status read from the id alone.
/// </summary>
[Collection(RecoveryCollection.Name)]
public sealed class ShardedDeliveryTests(ITestOutputHelper output)
{
    private const int Count = 90;
    private const int Shards = 3;

    [Fact]
    public async Task ThreeShards_SpreadTheJobsOverThreeQueues_AndDeliverEveryMessage()
    {
        await using var world = await DeliveryWorld.StartAsync();
        var shards = ("Storage:Shards", Shards.ToString(CultureInfo.InvariantCulture));

        // First without listeners, so that the jobs stay where submission put them to be counted.
        await world.StartHostAsync(null, shards, ("LocalHost:RunQueueListener", "false"), ("Sweeper:Enabled", "false"));
        var messages = await world.SubmitAsync(Count);
        var depths = new int[Shards];
        for (var shard = 0; shard < Shards; shard++)
        {
            var queue = new QueueClient(world.Azurite.ConnectionString, StorageShards.QueueName(shard));
            depths[shard] = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        }

        output.WriteLine($"jobs per queue: {string.Join(", ", depths.Select((d, s) => $"{StorageShards.QueueName(s)} {d}"))}");
        Assert.Equal(Count, depths.Sum());
        Assert.All(depths, d => Assert.InRange(d, Count / Shards / 2, Count));
        await world.StopHostAsync();

        // Then with them: every shard's listener drains its own queue.
        var host = await world.StartHostAsync(null, shards);
        var states = await world.WaitUntilFinalAsync(messages, DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2));

        Assert.All(states, s => Assert.Equal("delivered", s.Status));
        Assert.All(world.CountDeliveries(messages), c => Assert.Equal(1, c));
        for (var shard = 0; shard < Shards; shard++)
        {
            Assert.Contains($"Queue listener on {StorageShards.QueueName(shard)}:", host.Output, StringComparison.Ordinal);
            var queue = new QueueClient(world.Azurite.ConnectionString, StorageShards.QueueName(shard));
            Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        }
    }
}
