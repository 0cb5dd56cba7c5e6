using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

[Collection(IngressCollection.Name)]
public sealed class MailKitTests(IngressFixture fixture)
{
    [Fact]
    public async Task MailKit_StartTlsWithBcc_QueuesEveryEnvelopeRecipientButStoresNoBcc()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("Bob <bob@example.org>"));
        message.To.Add(MailboxAddress.Parse("to@example.net"));
        message.Subject = $"mailkit {Guid.NewGuid():N}";
        var body = new BodyBuilder { TextBody = "Grüße aus MailKit" };
        body.Attachments.Add("data.bin", new byte[] { 1, 2, 3, 4, 5 }, new ContentType("application", "octet-stream"));
        message.Body = body.ToMessageBody();

        using var client = Client(IngressServer.Untrusted(5));
        await client.ConnectAsync("127.0.0.1", fixture.Server.StartTlsPort, SecureSocketOptions.StartTls);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.EnhancedStatusCodes));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Size));
        Assert.Equal(1_048_576u, client.MaxSize);
        await client.AuthenticateAsync(TestAccounts.Bob, TestAccounts.BobPassword);
        var reply = await client.SendAsync(message, MailboxAddress.Parse("bob@example.org"), [MailboxAddress.Parse("to@example.net"), MailboxAddress.Parse("hidden@example.com")]);
        await client.DisconnectAsync(quit: true);

        var id = TestMessages.QueuedId("250 " + reply);
        Assert.NotNull(id);
        var (row, recipients) = await fixture.Server.Storage.RowsOfAsync(id);
        Assert.Equal(2, row!.RecipientCount);
        Assert.Contains(recipients, r => r.Address == "hidden@example.com");
        var mime = await fixture.Server.Storage.MimeOfAsync(id);
        Assert.DoesNotContain("hidden@example.com", mime, StringComparison.Ordinal);
        Assert.Contains(message.Subject, mime, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailKit_MailFromOfAForeignDomain_IsRefusedAtMailFrom()
    {
        var message = TestMessage("bob@example.org");
        using var client = Client(IngressServer.Untrusted(5));
        await client.ConnectAsync("127.0.0.1", fixture.Server.StartTlsPort, SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(TestAccounts.Bob, TestAccounts.BobPassword);

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(message, MailboxAddress.Parse("bob@example.com"), [MailboxAddress.Parse("to@example.net")]));

        Assert.Equal(SmtpStatusCode.MailboxUnavailable, error.StatusCode);
        Assert.Equal(SmtpErrorCode.SenderNotAccepted, error.ErrorCode);
        Assert.Contains("5.7.1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MailKit_WithoutStartTls_CannotAuthenticate()
    {
        using var client = Client(IngressServer.Untrusted(5));
        await client.ConnectAsync("127.0.0.1", fixture.Server.StartTlsPort, SecureSocketOptions.None);

        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.Authentication));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        await Assert.ThrowsAsync<NotSupportedException>(() => client.AuthenticateAsync(TestAccounts.Bob, TestAccounts.BobPassword));
        var error = await Assert.ThrowsAsync<MailKit.ServiceNotAuthenticatedException>(() => client.SendAsync(TestMessage("bob@example.org")));
        Assert.Contains("5.7.0 Authentication required", error.Message, StringComparison.Ordinal);
    }

    private static MimeMessage TestMessage(string from)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("to@example.net"));
        message.Subject = "test";
        message.Body = new TextPart("plain") { Text = "test" };
        return message;
    }

    private static SmtpClient Client(IPAddress local) => new()
    {
        LocalEndPoint = new IPEndPoint(local, 0),
        ServerCertificateValidationCallback = (_, certificate, _, _) => IngressServer.IsServerCertificate(certificate),
        Timeout = 30_000,
    };
}
