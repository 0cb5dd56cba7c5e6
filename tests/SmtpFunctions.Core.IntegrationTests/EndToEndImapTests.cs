using MimeKit;
using SmtpFunctions.Core.IntegrationTests.Infrastructure;
using SmtpFunctions.Core.Status;
using SmtpFunctions.Core.Storage;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Dns;
using SmtpFunctions.Testing.Dovecot;
using Xunit.Abstractions;

namespace SmtpFunctions.Core.IntegrationTests;

/// <summary>
/// The whole chain of an SMTP system, all real: submitted (MSA) → delivered by MX lookup (MTA) → Postfix (MX) → LMTP →
/// Dovecot (MDA) → fetched over IMAP, intact.
/// </summary>
[Collection(DeliveryCollection.Name)]
public sealed class EndToEndImapTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    [Fact]
    public async Task SubmittedMessage_IsDeliveredByMxThroughPostfixAndDovecot_AndFetchedIntactOverImap()
    {
        const string user = "reader@inbox.test";
        await using var world = await MailWorld.CreateAsync();
        var dovecot = await DovecotInstance.StartAsync(new DovecotOptions().AddUser(user, "secret"));
        await using var _ = dovecot;
        var postfix = await world.StartPostfixAsync(o => o.LmtpDestination = dovecot.LmtpEndPoint, user);
        await world.ServeAsync(MailWorld.MxZone("inbox.test", postfix.Address));
        var host = await world.StartHostAsync(azurite.Azurite.ConnectionString, output);
        var attachment = Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray();
        var json = $$"""
            {"from":"Sender <{{MailWorld.Sender}}>","to":["Reader <{{user}}>"],"subject":"Grüße über IMAP",
             "text":"Plain text part.\nSecond line.","html":"<p>HTML <b>part</b></p>",
             "attachments":[{"filename":"data.bin","contentType":"application/octet-stream","content":"{{Convert.ToBase64String(attachment)}}"}]}
            """;

        var receipt = await host.SubmitJsonAsync(json);
        var view = await host.RunUntilFinalAsync(receipt.MessageId);
        Assert.Equal(RecipientStatus.Delivered, Assert.Single(view.Recipients).Status);

        var fetched = Assert.Single(await dovecot.WaitForMessagesAsync(user, 1, TimeSpan.FromSeconds(30)));
        var (row, _) = await host.Status.GetAsync(receipt.MessageId, default);
        var stored = MimeMessage.Load(new MemoryStream((await host.Get<MessageBlobs>().DownloadAsync(row!.BlobName, default)).ToArray()));
        Assert.Equal(stored.MessageId, fetched.MessageId);
        Assert.Equal("Grüße über IMAP", fetched.Subject);
        Assert.Equal(MailWorld.Sender, Assert.Single(fetched.From.Mailboxes).Address);
        Assert.Equal(user, Assert.Single(fetched.To.Mailboxes).Address);
        Assert.Equal("Plain text part.\nSecond line.", fetched.TextBody!.ReplaceLineEndings("\n").TrimEnd('\n'));
        Assert.Contains("<b>part</b>", fetched.HtmlBody, StringComparison.Ordinal);
        var part = Assert.Single(fetched.Attachments.OfType<MimePart>());
        Assert.Equal("data.bin", part.FileName);
        using var content = new MemoryStream();
        await part.Content!.DecodeToAsync(content);
        Assert.Equal(attachment, content.ToArray());
        foreach (var header in stored.Headers)
        {
            Assert.Contains(fetched.Headers, h => h.Field == header.Field && h.RawValue.SequenceEqual(header.RawValue));
        }
    }
}
