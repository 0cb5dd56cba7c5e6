using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Core.Sweeping;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// A storage account per shard (<c>Shard1Storage</c>), against one Azurite serving two accounts: a message of shard 1 has
/// its blob, status rows and job in the second account and nothing in the main one, is delivered from there, reads by
/// its id, and the sweeper finds it through the second account's blob index.
/// </summary>
[Collection(TwoAccountsCollection.Name)]
public sealed class ShardAccountTests(TwoAccountsFixture azurite, ITestOutputHelper output)
{
    private static readonly TimeSpan FirstCheck = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task MessageOfShard1_IsStoredQueuedDeliveredAndSweptInTheShardsOwnAccount_AndNothingOfItInTheMainOne()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("shards.test", sink.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output,
            ("Storage:Shards", "2"), ("Shard1Storage", azurite.Azurite.ConnectionStringFor(TwoAccountsFixture.ShardAccount)));
        var sweep = new SweepDriver(host);
        await sweep.ResetAsync();
        var main = new Account(azurite.Azurite.ConnectionString);
        var second = new Account(azurite.Azurite.ConnectionStringFor(TwoAccountsFixture.ShardAccount));
        await second.Queue(1).ClearMessagesAsync();

        // Ids are random: submit until each shard has a message (half of them land on each).
        var shards = host.Get<StorageShards>();
        var ids = new List<string>();
        string? ofShard0 = null, ofShard1 = null;
        for (var i = 0; i < 40 && (ofShard0 is null || ofShard1 is null); i++)
        {
            var id = (await host.SubmitJsonAsync(Json($"rcpt{i}@shards.test"))).MessageId;
            ids.Add(id);
            if (shards.ShardFor(id) == 0)
            {
                ofShard0 ??= id;
            }
            else
            {
                ofShard1 ??= id;
            }
        }

        Assert.NotNull(ofShard0);
        Assert.NotNull(ofShard1);

        // Shard 1's message: blob (filed by its tag), rows and job in the second account, none of them in the main one.
        var blob = Assert.Single(await second.BlobsAsync(ofShard1));
        Assert.True(blob.Tags.ContainsKey(SweepIndex.FilingTag));
        Assert.Equal(2, (await second.RowsAsync(ofShard1)).Count);
        Assert.Contains(ofShard1, await second.JobsAsync(1));
        Assert.Empty(await main.BlobsAsync(ofShard1));
        Assert.Empty(await main.RowsAsync(ofShard1));
        Assert.False((await main.Queue(1).ExistsAsync()).Value);

        // Shard 0's message is the main account's, as without accounts per shard.
        Assert.Single(await main.BlobsAsync(ofShard0));
        Assert.Equal(2, (await main.RowsAsync(ofShard0)).Count);
        Assert.Empty(await second.BlobsAsync(ofShard0));
        Assert.Empty(await second.RowsAsync(ofShard0));

        // Shard 1's jobs are lost: the sweeper finds its messages by the second account's tag index, reads their status
        // there and puts them back on the second account's queue.
        var shard1 = ids.Where(id => shards.ShardFor(id) == 1).ToList();
        await second.Queue(1).ClearMessagesAsync();
        await host.RunUntilAsync(() => host.AllDeliveredAsync(ids.Except(shard1)));
        var latest = (await Task.WhenAll(ids.Select(id => host.Status.GetAsync(id, default)))).Max(m => m.Message!.SubmittedAt);
        var swept = await sweep.SweepAsync(latest + FirstCheck + TimeSpan.FromMinutes(1));
        Assert.Equal(shard1.Count, swept.Redriven);
        Assert.Contains(ofShard1, await second.JobsAsync(1));

        // Delivered from there, and read by its id alone.
        var view = await host.RunUntilFinalAsync(ofShard1);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        await host.RunUntilAsync(() => host.AllDeliveredAsync(ids));
        Assert.Equal(ids.Count, (await sink.WaitForMessagesAsync(ids.Count)).Count);
        Assert.Empty(await main.RowsAsync(ofShard1));

        // The next look finds it finished (its status read in the second account) and files it for its retention.
        var finished = await sweep.SweepAsync(latest + FirstCheck + Grace + TimeSpan.FromMinutes(2));
        Assert.True(finished.Finished >= shard1.Count, $"finished {finished.Finished}");
        Assert.True(Assert.Single(await sweep.IndexRowsAsync(ofShard1)).Retention);
        Assert.Empty((await second.BlobsAsync(ofShard1))[0].Tags);
    }

    private static string Json(string to) =>
        $$"""{"from":"{{MailWorld.Sender}}","to":["{{to}}"],"subject":"Shards","text":"One account each."}""";

    /// <summary>Plain SDK clients of one account, to look at what is stored where without going through Core.</summary>
    private sealed class Account(string connectionString)
    {
        private readonly BlobContainerClient _blobs = new BlobServiceClient(connectionString).GetBlobContainerClient(StorageNames.MessagesContainer);
        private readonly TableClient _rows = new TableServiceClient(connectionString).GetTableClient(StorageNames.MessagesTable);
        private readonly QueueServiceClient _queues = new(connectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None });

        public QueueClient Queue(int shard) => _queues.GetQueueClient(StorageShards.QueueName(shard));

        public async Task<List<BlobItem>> BlobsAsync(string messageId)
        {
            var found = new List<BlobItem>();
            if (!(await _blobs.ExistsAsync()).Value)
            {
                return found;
            }

            await foreach (var blob in _blobs.GetBlobsAsync(BlobTraits.Tags, BlobStates.None, messageId + "/", default))
            {
                found.Add(blob);
            }

            return found;
        }

        public async Task<List<TableEntity>> RowsAsync(string messageId)
        {
            var found = new List<TableEntity>();
            try
            {
                await foreach (var row in _rows.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {messageId}")))
                {
                    found.Add(row);
                }
            }
            catch (Azure.RequestFailedException ex) when (ex.Status == 404)
            {
                // No table: nothing of it here.
            }

            return found;
        }

        public async Task<List<string>> JobsAsync(int shard)
        {
            var peeked = (await Queue(shard).PeekMessagesAsync(32)).Value;
            return peeked.Select(m => OutboundQueue.Deserialize(m.Body).MessageId).ToList();
        }
    }
}
