using Azure.Data.Tables;
using SmtpFunctions.Core.Delivery;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// Status rows committed before RowKeys carried the message id (message row <c>m</c>, recipient rows <c>r:address</c>)
/// and the version-1 jobs that point at them keep working after the upgrade: delivered, readable, idempotent.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class LegacyRowKeyTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task VersionOneJob_OverLegacyRows_IsDeliveredAndItsStatusReads()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("legacy.test", sink.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output);
        var id = "legacy" + Guid.NewGuid().ToString("N");
        const string token = "legacytoken";
        var blobName = MessageBlobs.NameFor(id, token);
        var mime = "From: sender@sender.test\r\nTo: rcpt@legacy.test\r\nSubject: old\r\nMessage-ID: <old@sender.test>\r\n\r\nbody\r\n"u8.ToArray();
        await host.Get<MessageBlobs>().UploadAsync(blobName, mime, CancellationToken.None);
        var now = DateTimeOffset.UtcNow;
        var table = host.Storage.Tables.GetTableClient(StorageNames.MessagesTable);
        await table.SubmitTransactionAsync(
        [
            new TableTransactionAction(TableTransactionActionType.Add, new MessageEntity
            {
                PartitionKey = id, RowKey = MessageEntity.LegacyRowKey, SubmittedAt = now, Sender = "sender@sender.test", Source = "http-json",
                Size = mime.Length, BlobName = blobName, SubmissionToken = token, BodyHash = "hash", RecipientCount = 1, AcceptedRecipientsJson = "[]",
            }),
            new TableTransactionAction(TableTransactionActionType.Add, new RecipientEntity
            {
                PartitionKey = id, RowKey = RecipientEntity.LegacyRowKeyFor("rcpt@legacy.test"), Address = "rcpt@legacy.test", Domain = "legacy.test",
                SubmissionToken = token, UpdatedAt = now,
            }),
        ]);
        await host.Queue.SendAsync(new DeliveryJob
        {
            Version = 1, MessageId = id, SubmissionToken = token, Domain = "legacy.test", Recipients = ["rcpt@legacy.test"],
            Sender = "sender@sender.test", BlobName = blobName, Size = mime.Length, SubmittedAt = now,
        }, TimeSpan.Zero, CancellationToken.None);

        var view = await host.RunUntilFinalAsync(id);

        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        Assert.Single(await sink.WaitForMessagesAsync(1, timeout: TimeSpan.FromSeconds(30)));
        Assert.Equal(token, (await host.Status.GetMessageAsync(id, CancellationToken.None))?.SubmissionToken);
    }
}
