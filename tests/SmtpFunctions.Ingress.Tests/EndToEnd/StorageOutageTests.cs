using Azure.Storage.Blobs;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Ingress.Tests.Fixtures;
using SmtpFunctions.Testing.Azurite;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>Storage going away in the middle of a session: a 451 the client can retry on, and nothing lost or doubled.</summary>
public sealed class StorageOutageTests(IngressFixture fixture) : IClassFixture<IngressFixture>
{
    private AzuriteProcess Azurite => fixture.Azurite;

    private IngressServer Server => fixture.Server;

    [Fact]
    public async Task StorageStoppedAfterMailFrom_Answers451_AndTheRetryIsQueuedExactlyOnce()
    {
        var subject = $"outage {Guid.NewGuid():N}";
        var message = TestMessages.Simple("app@example.com", "user@example.net", subject);
        // Storage must be stopped after the ingress's start-up created its resources, not in the middle of that.
        await Server.Storage.WaitForResourcesAsync(TimeSpan.FromSeconds(30));
        await using (var client = await RawSmtpClient.ConnectAsync(Server.StartTlsPort))
        {
            await client.CommandAsync("EHLO app.internal");
            Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<app@example.com>"), StringComparison.Ordinal);

            await Azurite.StopAsync();

            Assert.StartsWith("250 2.1.5", await client.CommandAsync("RCPT TO:<user@example.net>"), StringComparison.Ordinal);
            Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
            await client.SendAsync(message + ".\r\n");
            Assert.StartsWith("451 4.3.0", await client.ReadReplyAsync(TimeSpan.FromSeconds(60)), StringComparison.Ordinal);
            Assert.StartsWith("221", await client.CommandAsync("QUIT"), StringComparison.Ordinal);
        }

        await Azurite.RestartAsync();

        // What any SMTP client does after a 4xx: the same message again, later, until it gets a final answer.
        var id = await SubmitUntilFinalAsync(message);

        Assert.NotNull(id);
        // Exactly one message was committed, with its two status rows and one job.
        var counts = await Server.Storage.CountAsync();
        Assert.Equal((1, 2), (counts.Messages, counts.Rows));
        var job = Assert.Single(await Server.Storage.JobsOfAsync(id));
        Assert.Contains(subject, await Server.Storage.MimeOfAsync(id), StringComparison.Ordinal);
        // A failed attempt may leave an orphan (a blob, or a job enqueued before a commit that never happened): the
        // design allows it, as long as nothing committed refers to it. Delivery drops such jobs (event 2001) and the
        // lifecycle rule deletes such blobs.
        foreach (var other in (await Server.Storage.AllJobsAsync()).Where(j => j.MessageId != id))
        {
            Assert.Null((await Server.Storage.RowsOfAsync(other.MessageId)).Message);
        }

        var blobs = new BlobContainerClient(Azurite.ConnectionString, StorageNames.MessagesContainer);
        var stored = new List<string>();
        await foreach (var blob in blobs.GetBlobsAsync())
        {
            stored.Add(blob.Name);
        }

        Assert.Contains(job.BlobName, stored);
        foreach (var orphan in stored.Where(b => b != job.BlobName))
        {
            var (committed, _) = await Server.Storage.RowsOfAsync(orphan.Split('/')[0]);
            Assert.True(committed is null || committed.BlobName != orphan, $"{orphan} is referenced by a committed message");
        }
    }

    private async Task<string?> SubmitUntilFinalAsync(string message)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            await using var retry = await RawSmtpClient.ConnectAsync(Server.StartTlsPort);
            await retry.CommandAsync("EHLO app.internal");
            await retry.BeginMessageAsync("app@example.com", "user@example.net");
            await retry.SendAsync(message + ".\r\n");
            var reply = await retry.ReadReplyAsync(TimeSpan.FromSeconds(60));
            if (!reply.StartsWith('4'))
            {
                return TestMessages.QueuedId(reply);
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        return null;
    }
}
