using Azure.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// A small message's MIME rides in its delivery jobs (<c>Submission:InlineContentMaxBytes</c>): delivery sends it without
/// reading the blob, which is still written as the durable copy; a larger message's job names only the blob.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class InlineContentTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static string Json(int textLength) =>
        $$"""{"from":"sender@sender.test","to":["rcpt@inline.test"],"subject":"inline","text":"{{new string('x', textLength)}}"}""";

    [Fact]
    public async Task Submit_ASmallMessage_PutsItsStoredMimeInTheJob_AndDeliveryReadsNoBlob()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("inline.test", sink.Address));
        var downloads = new HeldUploadPolicy();
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, services => services.AddSingleton<HttpPipelinePolicy>(downloads));

        var receipt = await host.SubmitJsonAsync(Json(2000));
        var job = OutboundQueue.Deserialize(Assert.Single((await host.Queue.Client.PeekMessagesAsync(32)).Value).Body);
        var (message, _) = await host.Status.GetAsync(receipt.MessageId, CancellationToken.None);
        var stored = (await host.Get<MessageBlobs>().DownloadAsync(message!.BlobName, CancellationToken.None)).ToArray();
        var downloadsBefore = downloads.Downloads;
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.NotNull(job.Content);
        Assert.Equal(stored, job.Content);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        Assert.Equal(0, downloads.Downloads - downloadsBefore);
        var received = Assert.Single(await sink.WaitForMessagesAsync(1, timeout: TimeSpan.FromSeconds(30)));
        Assert.Contains(new string('x', 2000), received.ToMimeMessage().TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_AMessageOverTheLimit_SendsTheJobWithoutContent_AndDeliveryReadsTheBlob()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("inline.test", sink.Address));
        var downloads = new HeldUploadPolicy();
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output, services => services.AddSingleton<HttpPipelinePolicy>(downloads),
            ("Submission:InlineContentMaxBytes", "1024"));

        var receipt = await host.SubmitJsonAsync(Json(3000));
        var job = OutboundQueue.Deserialize(Assert.Single((await host.Queue.Client.PeekMessagesAsync(32)).Value).Body);
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.Null(job.Content);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        Assert.Equal(1, downloads.Downloads);
        Assert.Single(await sink.WaitForMessagesAsync(1, timeout: TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Handle_ASmallMessageWhoseBlobIsGone_IsStillDeliveredFromItsJob()
    {
        await using var world = await MailWorld.CreateAsync();
        var sink = await world.StartSinkAsync(new SmtpSinkOptions());
        await world.ServeAsync(MailWorld.MxZone("inline.test", sink.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output);

        var receipt = await host.SubmitJsonAsync(Json(100));
        var (message, _) = await host.Status.GetAsync(receipt.MessageId, CancellationToken.None);
        await host.Get<MessageBlobs>().DeleteIfExistsAsync(message!.BlobName, CancellationToken.None);
        var view = await host.RunUntilFinalAsync(receipt.MessageId);

        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);
        Assert.Single(await sink.WaitForMessagesAsync(1, timeout: TimeSpan.FromSeconds(30)));
    }
}
