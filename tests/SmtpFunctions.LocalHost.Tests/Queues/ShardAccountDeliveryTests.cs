using System.Globalization;
using Azure.Storage.Queues;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.LocalHost.Tests.Recovery;
using Xunit.Abstractions;

namespace SmtpFunctions.LocalHost.Tests.Queues;

/// <summary>
/// A storage account per shard through the real local host process: with <c>Shard1Storage</c> naming a second Azurite
/// account, shard 1's jobs are queued in that account (and no <c>outbound-1</c> exists in the main one), and the host's
/// listener for shard 1 reads them there and delivers every message.
/// </summary>
[Collection(RecoveryCollection.Name)]
public sealed class ShardAccountDeliveryTests(ITestOutputHelper output)
{
    private const int Count = 40;
    private const string SecondAccount = "shardaccount1";

    [Fact]
    public async Task SecondShardsAccount_HoldsItsJobs_AndTheHostsListenerDeliversThemFromThere()
    {
        await using var world = await DeliveryWorld.StartAsync(null, SecondAccount);
        var settings = new[]
        {
            ("Storage:Shards", "2"),
            (ShardAccounts.ConnectionName(1), world.Azurite.ConnectionStringFor(SecondAccount)),
        };
        var main = new QueueServiceClient(world.Azurite.ConnectionString);
        var second = new QueueServiceClient(world.Azurite.ConnectionStringFor(SecondAccount));

        // First without listeners, so that the jobs stay where submission put them to be counted.
        await world.StartHostAsync(null, [.. settings, ("LocalHost:RunQueueListener", "false"), ("Sweeper:Enabled", "false")]);
        var messages = await world.SubmitAsync(Count);
        var onMain = (await main.GetQueueClient(StorageShards.QueueName(0)).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        var onSecond = (await second.GetQueueClient(StorageShards.QueueName(1)).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"jobs: outbound (main) {onMain}, outbound-1 (second account) {onSecond}"));
        Assert.Equal(Count, onMain + onSecond);
        Assert.InRange(onSecond, 1, Count - 1);
        Assert.False((await main.GetQueueClient(StorageShards.QueueName(1)).ExistsAsync()).Value);
        await world.StopHostAsync();

        // Then with them: shard 1's listener drains its queue in the second account.
        await world.StartHostAsync(null, settings);
        var states = await world.WaitUntilFinalAsync(messages, DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2));

        Assert.All(states, s => Assert.Equal("delivered", s.Status));
        Assert.All(world.CountDeliveries(messages), c => Assert.Equal(1, c));
        Assert.Equal(0, (await second.GetQueueClient(StorageShards.QueueName(1)).GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
