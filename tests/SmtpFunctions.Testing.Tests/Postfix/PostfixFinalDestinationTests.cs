using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SmtpFunctions.Testing.Tests.Clients;

namespace SmtpFunctions.Testing.Tests.Postfix;

public sealed class PostfixFinalDestinationTests(FinalDestinationFixture fixture) : IClassFixture<FinalDestinationFixture>
{
    [Fact]
    public async Task MailKitSend_OverStarttls_ArrivesInMaildirByteForByte()
    {
        var message = TestMessages.Create("sender@client.test", FinalDestinationFixture.Alice, "Grüße — byte for byte", bcc: "hidden@elsewhere.test");
        using (var client = await RecordingSmtpClient.ConnectAsync(fixture.Postfix.EndPoint, SecureSocketOptions.StartTls, fixture.Certificate.Certificate.GetCertHashString()))
        {
            await client.SendAsync(message, MailboxAddress.Parse("bounces@client.test"), [MailboxAddress.Parse(FinalDestinationFixture.Alice)]);
            await client.DisconnectAsync(true);
        }

        var delivered = (await fixture.Postfix.WaitForMailboxAsync(FinalDestinationFixture.Alice))
            .Single(m => m.ToMimeMessage().MessageId == message.MessageId);

        Assert.Equal(TestMessages.WireBytes(message), delivered.OriginalBytes);
        Assert.Equal(TestMessages.HeaderLines(message).Where(h => !h.StartsWith("Bcc:", StringComparison.Ordinal)), TestMessages.HeaderLines(delivered.ToOriginalMimeMessage()));
        Assert.Equal("bounces@client.test", delivered.ReturnPath);
        Assert.Null(delivered.ToMimeMessage().Headers[HeaderId.Bcc]);
        var received = delivered.ToMimeMessage().Headers[HeaderId.Received];
        Assert.Contains("by mx.final.test (Postfix) with ESMTPS", received, StringComparison.Ordinal);
        Assert.Contains("TLS connection established from", fixture.Postfix.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recipients_RejectedOnes550_OthersDelivered()
    {
        var message = TestMessages.Create("sender@client.test", FinalDestinationFixture.Bob, "per-recipient replies");
        using var client = await RecordingSmtpClient.ConnectAsync(fixture.Postfix.EndPoint);
        await client.SendAsync(message, MailboxAddress.Parse("sender@client.test"),
        [
            MailboxAddress.Parse(FinalDestinationFixture.Bob),
            MailboxAddress.Parse(FinalDestinationFixture.Blocked),
            MailboxAddress.Parse("nobody-here@final.test"),
        ]);
        await client.DisconnectAsync(true);

        Assert.Equal(2, client.Rejected.Count);
        var blocked = client.Rejected.Single(r => r.Address == FinalDestinationFixture.Blocked).Response;
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, blocked.StatusCode);
        Assert.Contains("5.1.1", blocked.Response, StringComparison.Ordinal);
        Assert.Contains("User unknown", blocked.Response, StringComparison.Ordinal);
        var unknown = client.Rejected.Single(r => r.Address == "nobody-here@final.test").Response;
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, unknown.StatusCode);
        Assert.Contains("5.1.1", unknown.Response, StringComparison.Ordinal);
        Assert.Contains((await fixture.Postfix.WaitForMailboxAsync(FinalDestinationFixture.Bob)), m => m.ToMimeMessage().MessageId == message.MessageId);
        Assert.Empty(fixture.Postfix.ReadMailbox(FinalDestinationFixture.Blocked));
    }

    [Fact]
    public async Task Ehlo_OffersStarttlsWithTheGivenCertificate_AndAnnouncesTheSizeLimit()
    {
        using var client = await RecordingSmtpClient.ConnectAsync(fixture.Postfix.EndPoint);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));
        Assert.Equal((uint)FinalDestinationFixture.SizeLimit, client.MaxSize);
        await client.DisconnectAsync(true);

        using var secure = await RecordingSmtpClient.ConnectAsync(fixture.Postfix.EndPoint, SecureSocketOptions.StartTls, fixture.Certificate.Certificate.GetCertHashString());
        Assert.True(secure.IsSecure);
        await secure.DisconnectAsync(true);
    }

    [Fact]
    public async Task OversizedMessage_IsRefused552()
    {
        var message = TestMessages.Create("sender@client.test", FinalDestinationFixture.Alice, "too big");
        message.Body = new TextPart("plain") { Text = new string('x', 76) + string.Concat(Enumerable.Repeat("\r\n" + new string('y', 76), 4000)) };
        using var client = await RecordingSmtpClient.ConnectAsync(fixture.Postfix.EndPoint);
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(message));
        Assert.Equal(SmtpStatusCode.ExceededStorageAllocation, error.StatusCode);
    }

    [Fact]
    public async Task NonLocalDomain_IsNotRelayed()
    {
        using var client = await RecordingSmtpClient.ConnectAsync(fixture.Postfix.EndPoint);
        await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(TestMessages.Create("a@client.test", "someone@elsewhere.test")));
        Assert.Contains(client.Rejected, r => r.Address == "someone@elsewhere.test" && r.Response.Response.Contains("Relay access denied", StringComparison.Ordinal));
    }
}
