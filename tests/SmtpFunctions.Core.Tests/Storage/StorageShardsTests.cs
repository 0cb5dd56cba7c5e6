using Microsoft.Extensions.Time.Testing;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Submission;

namespace SmtpFunctions.Core.Tests.Storage;

public class StorageShardsTests
{
    [Fact]
    public void OneShard_IsOutbound_AsBefore()
    {
        var shards = new StorageShards(1);

        Assert.Equal(0, shards.ShardFor(new MessageIds(TimeProvider.System).New()));
        Assert.Equal([StorageNames.OutboundQueue, StorageNames.OutboundPoisonQueue, StorageNames.OutboundPoisonPoisonQueue], shards.QueueNames());
    }

    [Fact]
    public void QueueNames_FollowTheFunctionsHostsPoisonNaming()
    {
        Assert.Equal("outbound-2", StorageShards.QueueName(2));
        Assert.Equal("outbound-2-poison", StorageShards.PoisonQueueName(2));
        Assert.Equal("outbound-2-poison-poison", StorageShards.PoisonPoisonQueueName(2));
        Assert.Equal(9, new StorageShards(3).QueueNames().Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => StorageShards.QueueName(StorageShards.MaxShards));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageShards(StorageShards.MaxShards + 1));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void ShardFor_SpreadsNewIdsEvenly_AndIsStable(int count)
    {
        var shards = new StorageShards(count);
        var ids = new MessageIds(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddYears(56)));
        var counts = new int[count];
        const int n = 8000;
        for (var i = 0; i < n; i++)
        {
            var id = ids.New();
            var shard = shards.ShardFor(id);
            Assert.Equal(shard, new StorageShards(count).ShardFor(id));
            counts[shard]++;
        }

        // Within 15% of an even share: a hot shard would cap the whole system at its queue's limit.
        Assert.All(counts, c => Assert.InRange(c, n / count * 0.85, n / count * 1.15));
    }

    [Fact]
    public void ShardFor_IdempotencyKeyIds_SpreadToo()
    {
        var shards = new StorageShards(4);
        var used = Enumerable.Range(0, 400).Select(i => shards.ShardFor(MessageIds.ForIdempotencyKey($"order-{i}"))).Distinct().Count();

        Assert.Equal(4, used);
    }
}
