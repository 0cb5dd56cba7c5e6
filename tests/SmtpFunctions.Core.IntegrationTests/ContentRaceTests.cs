using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// Submission uploads the blob and sends the jobs at once and commits after both, so a fast worker can ask for the
/// content before it exists. Only the commit says the content must be there: accepted mail is never bounced for a
/// download that raced the upload.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class ContentRaceTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string Json = """{"from":"sender@sender.test","to":["rcpt@race.test"],"subject":"race","text":"hello"}""";

    [Fact]
    public async Task Handle_WhenTheDownloadRacesASlowUpload_DeliversInsteadOfFailingTheMessage()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("race.test", sink.Address));
        var policy = new HeldUploadPolicy();
        // Long enough that the handler sees the commit in this attempt rather than re-enqueueing the job.
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, services => services.AddSingleton<HttpPipelinePolicy>(policy),
            ("Delivery:CommitWaitTimeout", "00:00:30"));
        policy.Arm();

        // The submission's upload waits for the handler's download to be answered 404; its job is already on the queue.
        var submission = host.SubmitJsonAsync(Json);
        var job = await ReceiveJobAsync(host);
        await host.Handler.HandleAsync(job.Body, job.DequeueCount, CancellationToken.None);
        var receipt = await submission;

        Assert.Equal(1, policy.HeldUploads);
        Assert.True(policy.MissingDownloads >= 1, "the handler's first download should have been answered 404");
        var view = await host.Status.GetViewAsync(receipt.MessageId, CancellationToken.None);
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
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output);

        var receipt = await host.SubmitJsonAsync(Json);
        var (message, _) = await host.Status.GetAsync(receipt.MessageId, CancellationToken.None);
        await host.Get<SmtpFunctions.Core.Storage.MessageBlobs>().DeleteIfExistsAsync(message!.BlobName, CancellationToken.None);
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        var rcpt = Assert.Single(view.Recipients);
        Assert.Equal(RecipientStatus.Failed, rcpt.Status);
        Assert.Equal("5.3.0", rcpt.LastEnhancedCode);
        Assert.Empty(sink.ReadAcceptedMessages());
    }

    private static async Task<Azure.Storage.Queues.Models.QueueMessage> ReceiveJobAsync(DeliveryHost host)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var received = (await host.Queue.Client.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(1))).Value;
            if (received.Length == 1)
            {
                return received[0];
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The submission's job never reached the queue.");
    }
}
