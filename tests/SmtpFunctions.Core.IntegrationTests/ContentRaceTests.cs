using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// Submission sends a message's jobs only after its commit, which comes after the upload, so a job never outruns its
/// content. Jobs sent before their commit (by the version before, or after a commit whose answer was lost) still can:
/// for those only the commit says the content must be there, and accepted mail is never bounced for a download that
/// raced the upload.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class ContentRaceTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string Json = """{"from":"sender@sender.test","to":["rcpt@race.test"],"subject":"race","text":"hello"}""";

    [Fact]
    public async Task Submit_WhileTheUploadIsSlow_PutsNoJobOnTheQueue_UntilTheMessageIsCommitted()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("race.test", sink.Address));
        var policy = new HeldUploadPolicy();
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, services => services.AddSingleton<HttpPipelinePolicy>(policy));
        policy.Arm();

        var submission = host.SubmitJsonAsync(Json);
        await policy.UploadHeld.WaitAsync(TimeSpan.FromSeconds(30));
        var whileHeld = await host.VisibleJobsAsync();
        policy.Release();
        var receipt = await submission;
        var queued = Assert.Single((await host.Queue.Client.PeekMessagesAsync(32)).Value);

        Assert.Equal(0, whileHeld);
        Assert.NotNull(SmtpFunctions.Core.Storage.OutboundQueue.Deserialize(queued.Body).CommittedETags);
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        Assert.Equal(0, policy.MissingDownloads);
        Assert.Single(await sink.WaitForMessagesAsync(1, timeout: TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Handle_AJobSentBeforeItsCommit_WhenTheDownloadRacesASlowUpload_DeliversInsteadOfFailingTheMessage()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("race.test", sink.Address));
        var policy = new HeldUploadPolicy();
        // Long enough that the handler sees the commit in this attempt rather than re-enqueueing the job.
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, services => services.AddSingleton<HttpPipelinePolicy>(policy),
            ("Delivery:CommitWaitTimeout", "00:00:30"));
        policy.Arm();

        // The order of a job sent before its commit: the job is handled first; the upload waits until the handler's
        // download was answered 404; the commit comes last.
        var id = Guid.NewGuid().ToString("N");
        var token = Guid.NewGuid().ToString("N");
        var blobName = SmtpFunctions.Core.Storage.MessageBlobs.NameFor(id, token);
        var mime = "From: sender@sender.test\r\nTo: rcpt@race.test\r\nSubject: race\r\n\r\nhello\r\n"u8.ToArray();
        var now = DateTimeOffset.UtcNow;
        var job = new SmtpFunctions.Core.Delivery.DeliveryJob
        {
            MessageId = id, SubmissionToken = token, Domain = "race.test", Recipients = ["rcpt@race.test"], Sender = "sender@sender.test",
            BlobName = blobName, Size = mime.Length, SubmittedAt = now,
        };
        var handled = host.Handler.HandleAsync(SmtpFunctions.Core.Storage.OutboundQueue.Serialize(job), 1, CancellationToken.None);
        await host.Get<SmtpFunctions.Core.Storage.MessageBlobs>().UploadAsync(blobName, mime, CancellationToken.None);
        var message = new MessageEntity
        {
            PartitionKey = id, RowKey = MessageEntity.RowKeyFor(id), SubmittedAt = now, Sender = "sender@sender.test", Source = "http-json",
            Size = mime.Length, BlobName = blobName, SubmissionToken = token, BodyHash = "", RecipientCount = 1, AcceptedRecipientsJson = "[]",
        };
        Assert.True(await host.Status.CommitAsync(message, [RecipientEntity.Committed(id, "rcpt@race.test", "race.test", token, now, 0)], CancellationToken.None));
        await handled;

        Assert.Equal(1, policy.HeldUploads);
        Assert.True(policy.MissingDownloads >= 1, "the handler's first download should have been answered 404");
        var view = await host.Status.GetViewAsync(id, CancellationToken.None);
        var rcpt = Assert.Single(view!.Recipients);
        Assert.Equal(RecipientStatus.Delivered, rcpt.Status);
        Assert.Equal(1, rcpt.Attempts);
        Assert.Single(await sink.WaitForMessagesAsync(1, timeout: TimeSpan.FromSeconds(30)));
        output.WriteLine($"downloads answered 404: {policy.MissingDownloads}, answered 200: {policy.Downloads}");
    }

    [Fact]
    public async Task Handle_WhenTheContentIsGoneAfterTheCommit_FailsTheRecipientAsLost()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("race.test", sink.Address));
        // Without the content in the job (a message over Submission:InlineContentMaxBytes), the blob is its only copy.
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, null, ("Submission:InlineContentMaxBytes", "0"));

        var receipt = await host.SubmitJsonAsync(Json);
        var (message, _) = await host.Status.GetAsync(receipt.MessageId, CancellationToken.None);
        await host.Get<SmtpFunctions.Core.Storage.MessageBlobs>().DeleteIfExistsAsync(message!.BlobName, CancellationToken.None);
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Failed, rcpt.Status);
        Assert.Equal("5.3.0", rcpt.LastEnhancedCode);
        Assert.Empty(sink.ReadAcceptedMessages());
    }
}
