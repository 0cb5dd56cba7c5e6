using Azure.Data.Tables;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Testing.Azurite;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>The handler's bookkeeping against real storage: orphans, the commit race, never sending twice.</summary>
[Collection(DeliveryCollection.Name)]
public sealed class JobHandlingTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string Json = """{"from":"sender@sender.test","to":["rcpt@example.test"],"subject":"hi","text":"hello"}""";

    private Task<DeliveryHost> StartAsync(params (string Key, string Value)[] settings) =>
        DeliveryHost.StartAsync(azurite.Azurite.ConnectionString, output, settings.ToDictionary(s => s.Key, s => (string?)s.Value));

    private static DeliveryJob Job(string id, DateTimeOffset submitted, string token = "t") => new()
    {
        MessageId = id,
        SubmissionToken = token,
        Domain = "example.test",
        Recipients = ["rcpt@example.test"],
        Sender = "sender@sender.test",
        BlobName = $"{id}/{token}.eml",
        SubmittedAt = submitted,
    };

    [Fact]
    public async Task Handle_WhenMessageRowIsMissingAndJobIsYoung_LooksAgainLater()
    {
        await using var host = await StartAsync(("Delivery:OrphanRecheckDelay", "00:00:01"), ("Delivery:CommitWaitTimeout", "00:00:00.2"));
        var job = Job("young-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow);

        await host.Handler.HandleAsync(OutboundQueue.Serialize(job), 1, default);

        // Put back, but out of sight until the recheck delay has passed.
        Assert.Equal(1, await host.QueuedJobsAsync());
        Assert.Equal(0, await host.VisibleJobsAsync());
        var requeued = await host.TakeNextVisibleJobAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(job.MessageId, requeued.MessageId);
        Assert.Equal(job.Recipients, requeued.Recipients);
    }

    [Fact]
    public async Task Handle_WhenMessageRowIsMissingAfterTheGracePeriod_DropsTheJob()
    {
        await using var host = await StartAsync(("Delivery:OrphanRecheckDelay", "00:00:01"), ("Delivery:CommitWaitTimeout", "00:00:00.2"));
        var job = Job("old-" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.AddMinutes(-10));

        await host.Handler.HandleAsync(OutboundQueue.Serialize(job), 1, default);

        // Nothing put back, not even invisibly: the queue's count includes messages still waiting out a delay.
        Assert.Equal(0, await host.QueuedJobsAsync());
        Assert.Contains(host.LogEvents, e => e.EventId == 2001 && e.Message.Contains(job.MessageId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Handle_WhenTokenDoesNotMatchTheCommit_DropsTheJobAndLeavesRecipientsQueued()
    {
        await using var host = await StartAsync();
        var receipt = await host.SubmitJsonAsync(Json);
        await host.Queue.Client.ClearMessagesAsync();
        var job = Job(receipt.MessageId, DateTimeOffset.UtcNow, token: "not-the-committed-token");

        await host.Handler.HandleAsync(OutboundQueue.Serialize(job), 1, default);

        var view = await host.Status.GetViewAsync(receipt.MessageId, default);
        Assert.Equal(RecipientStatus.Queued, Assert.Single(view!.Recipients).Status);
        Assert.Equal(0, await host.VisibleJobsAsync());
    }

    [Fact]
    public async Task Commit_StampsEachRecipientRowWithTheSubmissionToken()
    {
        await using var host = await StartAsync();
        var receipt = await host.SubmitJsonAsync(
            """{"from":"sender@sender.test","to":["a@example.test","b@example.test"],"subject":"hi","text":"hello"}""");

        var (message, rows) = await host.Status.GetAsync(receipt.MessageId, default);

        Assert.NotEmpty(message!.SubmissionToken);
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(message.SubmissionToken, r.SubmissionToken));
    }

    [Fact]
    public async Task Handle_WhenRecipientRowPredatesTheToken_TheMessageRowVouchesForTheJob()
    {
        // Rows committed before recipient rows carried the token: the job is checked against the message row, as before,
        // and delivered (here: attempted, and deferred because DNS is unreachable).
        await using var host = await StartAsync(("Routing:NameServers", "127.0.0.1:9"), ("Retry:Schedule", "00:00:30"));
        var receipt = await host.SubmitJsonAsync(Json);
        await StripTokensAsync(host, receipt.MessageId);

        await host.RunOnceAsync();

        var row = (await host.Status.GetAsync(receipt.MessageId, default)).Recipients.Single();
        Assert.Equal(RecipientStatus.Deferred, row.Status);
        Assert.Equal(1, row.Attempts);
        Assert.Empty(host.HandlerFaults);
    }

    [Fact]
    public async Task Handle_WhenRecipientRowPredatesTheTokenAndTheJobIsAnOrphan_DropsTheJob()
    {
        await using var host = await StartAsync();
        var receipt = await host.SubmitJsonAsync(Json);
        await host.Queue.Client.ClearMessagesAsync();
        await StripTokensAsync(host, receipt.MessageId);
        var job = Job(receipt.MessageId, DateTimeOffset.UtcNow, token: "not-the-committed-token");

        await host.Handler.HandleAsync(OutboundQueue.Serialize(job), 1, default);

        var row = (await host.Status.GetAsync(receipt.MessageId, default)).Recipients.Single();
        Assert.Equal(RecipientStatus.Queued, row.Status);
        Assert.Equal(0, row.Attempts);
        Assert.Equal(0, await host.VisibleJobsAsync());
    }

    [Fact]
    public async Task UpdateRecipients_WhenOneRowChangedSinceItWasRead_ChangesNoneAndFailsWith412()
    {
        await using var host = await StartAsync();
        var receipt = await host.SubmitJsonAsync(
            """{"from":"sender@sender.test","to":["a@example.test","b@example.test"],"subject":"hi","text":"hello"}""");
        var rows = (await host.Status.GetAsync(receipt.MessageId, default)).Recipients;
        var other = (await host.Status.GetAsync(receipt.MessageId, default)).Recipients.Single(r => r.Address == "b@example.test");
        other.Attempts = 7;
        await host.Status.UpdateRecipientAsync(other, other.ETag, default);
        rows.ForEach(r => r.Status = RecipientStatus.Delivering);

        var ex = await Assert.ThrowsAsync<TableTransactionFailedException>(() => host.Status.UpdateRecipientsAsync(rows, default));

        Assert.Equal(412, ex.Status);
        var after = (await host.Status.GetAsync(receipt.MessageId, default)).Recipients;
        Assert.All(after, r => Assert.Equal(RecipientStatus.Queued, r.Status));
        Assert.Equal(7, after.Single(r => r.Address == "b@example.test").Attempts);
    }

    [Fact]
    public async Task UpdateRecipients_KeepsEachRowsNewETagForTheNextConditionalUpdate()
    {
        await using var host = await StartAsync();
        var receipt = await host.SubmitJsonAsync(
            """{"from":"sender@sender.test","to":["a@example.test","b@example.test"],"subject":"hi","text":"hello"}""");
        var rows = (await host.Status.GetAsync(receipt.MessageId, default)).Recipients;
        rows.ForEach(r => r.Status = RecipientStatus.Delivering);

        await host.Status.UpdateRecipientsAsync(rows, default);
        rows.ForEach(r => r.Status = RecipientStatus.Delivered);
        await host.Status.UpdateRecipientsAsync(rows, default);

        var after = (await host.Status.GetAsync(receipt.MessageId, default)).Recipients;
        Assert.All(after, r => Assert.Equal(RecipientStatus.Delivered, r.Status));
        Assert.Equal(after.Select(r => r.ETag).OrderBy(e => e.ToString()), rows.Select(r => r.ETag).OrderBy(e => e.ToString()));
    }

    // What a recipient row written before the commit stamped tokens looks like: the same row without the property.
    private static async Task StripTokensAsync(DeliveryHost host, string messageId)
    {
        var table = host.Storage.Tables.GetTableClient(StorageNames.MessagesTable);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {messageId}")))
        {
            if (row.RowKey.StartsWith(RecipientEntity.RowKeyPrefix, StringComparison.Ordinal))
            {
                Assert.True(row.Remove(nameof(RecipientEntity.SubmissionToken)));
                await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
            }
        }
    }

    [Fact]
    public async Task Handle_WhenRecipientIsAlreadyDelivered_SendsNothingAndChangesNothing()
    {
        // Port 9 on loopback refuses: if the handler tried to send, the recipient would come back deferred.
        await using var host = await StartAsync(("Delivery:Port", "9"), ("Routing:NameServers", "127.0.0.1:9"));
        var receipt = await host.SubmitJsonAsync(Json);
        var job = (await host.Queue.Client.ReceiveMessagesAsync(1)).Value.Single();
        var (_, rows) = await host.Status.GetAsync(receipt.MessageId, default);
        var row = rows.Single();
        row.Status = RecipientStatus.Delivered;
        row.Attempts = 1;
        await host.Status.UpdateRecipientAsync(row, row.ETag, default);

        await host.Handler.HandleAsync(job.Body, job.DequeueCount, default);

        var after = (await host.Status.GetAsync(receipt.MessageId, default)).Recipients.Single();
        Assert.Equal(RecipientStatus.Delivered, after.Status);
        Assert.Equal(1, after.Attempts);
        Assert.Equal(0, await host.VisibleJobsAsync());
    }

    [Fact]
    public async Task Handle_WhenDnsIsUnreachable_DefersAndRequeuesOnlyPendingRecipients()
    {
        await using var host = await StartAsync(("Routing:NameServers", "127.0.0.1:9"), ("Retry:Schedule", "00:00:05"));
        var receipt = await host.SubmitJsonAsync(
            """{"from":"sender@sender.test","to":["a@example.test","b@example.test"],"subject":"hi","text":"hello"}""");

        await host.RunOnceAsync();

        // Exactly one job is back on the queue, out of sight until the retry schedule's delay has passed.
        Assert.Equal(1, await host.QueuedJobsAsync());
        Assert.Equal(0, await host.VisibleJobsAsync());
        var requeued = await host.TakeNextVisibleJobAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(receipt.MessageId, requeued.MessageId);
        Assert.Equal("example.test", requeued.Domain);
        Assert.Equal(["a@example.test", "b@example.test"], requeued.Recipients.Order(StringComparer.Ordinal));
        Assert.Equal(1, requeued.Round);
        Assert.NotNull(requeued.DueAt);

        var view = await host.Status.GetViewAsync(receipt.MessageId, default);
        Assert.Equal(MessageStatus.Deferred, view!.Status);
        Assert.All(view.Recipients, r =>
        {
            Assert.Equal(RecipientStatus.Deferred, r.Status);
            Assert.Equal(1, r.Attempts);
            Assert.Equal("4.4.3", r.LastEnhancedCode);
            Assert.NotNull(r.NextAttemptAt);
        });
        Assert.Empty(host.HandlerFaults);
    }
}
