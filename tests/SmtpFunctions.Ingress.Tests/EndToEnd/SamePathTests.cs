using System.Text;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>
/// A message submitted over SMTP must land in storage exactly as the same message submitted over HTTP, but for the
/// Received field each door prepends (its protocol and the message id differ by nature).
/// </summary>
[Collection(IngressCollection.Name)]
public sealed class SamePathTests(IngressFixture fixture)
{
    [Fact]
    public async Task SmtpSubmission_StoresTheSameJobsRowsAndMimeAsHttpMimeSubmission()
    {
        var mime = "From: Alice <alice@example.com>\r\nTo: x@example.net, y@example.org\r\nCc: z@example.net\r\n" +
            $"Subject: same path\r\nMessage-ID: <{Guid.NewGuid():N}@client.test>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n" +
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße, same bytes either way.\r\n";
        await fixture.Server.Storage.ClearJobsAsync();

        // The HTTP door (POST /api/messages with message/rfc822) calls exactly this.
        var http = await fixture.Server.Submission.SubmitAsync(
            new SubmissionRequest { Source = SubmissionSource.HttpMime, Payload = new MimePayload(Encoding.UTF8.GetBytes(mime)) }, CancellationToken.None);
        Assert.True(http.IsAccepted);

        await using var smtp = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort, IngressServer.Untrusted(6));
        await smtp.StartTlsAsync();
        Assert.StartsWith("235 2.7.0", await smtp.AuthPlainAsync(TestAccounts.Alice, TestAccounts.AlicePassword), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.0", await smtp.CommandAsync("MAIL FROM:<alice@example.com> BODY=8BITMIME"), StringComparison.Ordinal);
        foreach (var rcpt in new[] { "x@example.net", "y@example.org", "z@example.net" })
        {
            Assert.StartsWith("250 2.1.5", await smtp.CommandAsync($"RCPT TO:<{rcpt}>"), StringComparison.Ordinal);
        }

        Assert.StartsWith("354", await smtp.CommandAsync("DATA"), StringComparison.Ordinal);
        await smtp.SendAsync(Encoding.UTF8.GetBytes(mime + ".\r\n"));
        var id = TestMessages.QueuedId(await smtp.ReadReplyAsync());
        Assert.NotNull(id);

        var httpId = http.Receipt!.MessageId;
        var (httpRow, httpRecipients) = await fixture.Server.Storage.RowsOfAsync(httpId);
        var (smtpRow, smtpRecipients) = await fixture.Server.Storage.RowsOfAsync(id);
        Assert.Equal("http-mime", httpRow!.Source);
        Assert.Equal("smtp", smtpRow!.Source);
        var (httpReceived, httpMime) = SplitReceived(await fixture.Server.Storage.MimeOfAsync(httpId));
        var (smtpReceived, smtpMime) = SplitReceived(await fixture.Server.Storage.MimeOfAsync(id));
        Assert.Contains(" with HTTP", httpReceived, StringComparison.Ordinal);
        Assert.Contains(" with ESMTP", smtpReceived, StringComparison.Ordinal);
        Assert.Equal(httpMime, smtpMime);
        Assert.Equal(
            (httpRow.Sender, httpRow.Size - httpReceived.Length, httpRow.RecipientCount, httpRow.HeaderMessageId, httpRow.RequiresSmtpUtf8, httpRow.AcceptedRecipientsJson),
            (smtpRow.Sender, smtpRow.Size - smtpReceived.Length, smtpRow.RecipientCount, smtpRow.HeaderMessageId, smtpRow.RequiresSmtpUtf8, smtpRow.AcceptedRecipientsJson));
        Assert.Equal(
            httpRecipients.Select(r => (r.RowKey.Replace(httpId, "<id>", StringComparison.Ordinal), r.Address, r.Domain, r.Status, r.Attempts)),
            smtpRecipients.Select(r => (r.RowKey.Replace(id, "<id>", StringComparison.Ordinal), r.Address, r.Domain, r.Status, r.Attempts)));

        var httpJobs = await fixture.Server.Storage.JobsOfAsync(httpId);
        var smtpJobs = await fixture.Server.Storage.JobsOfAsync(id);
        Assert.Equal(2, smtpJobs.Count);
        Assert.Equal(
            httpJobs.Select(j => (j.Domain, string.Join(",", j.Recipients), j.Sender, j.Size - httpReceived.Length, j.RequiresSmtpUtf8, j.EightBit, j.Round, j.Version)),
            smtpJobs.Select(j => (j.Domain, string.Join(",", j.Recipients), j.Sender, j.Size - smtpReceived.Length, j.RequiresSmtpUtf8, j.EightBit, j.Round, j.Version)));
    }

    // The first field (Received, folded over several lines) and the rest of the stored message.
    private static (string Received, string Remainder) SplitReceived(string mime)
    {
        Assert.StartsWith("Received: ", mime, StringComparison.Ordinal);
        var end = mime.IndexOf("\r\n", StringComparison.Ordinal);
        while (mime[end + 2] is ' ' or '\t')
        {
            end = mime.IndexOf("\r\n", end + 2, StringComparison.Ordinal);
        }

        return (mime[..(end + 2)], mime[(end + 2)..]);
    }
}
