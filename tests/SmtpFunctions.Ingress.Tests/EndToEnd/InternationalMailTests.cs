using System.Text;
using SmtpFunctions.Ingress.Tests.Fixtures;

namespace SmtpFunctions.Ingress.Tests.EndToEnd;

/// <summary>SMTPUTF8 (RFC 6531) and 8BITMIME (RFC 6152) are advertised, so they must work end to end.</summary>
[Collection(IngressCollection.Name)]
public sealed class InternationalMailTests(IngressFixture fixture)
{
    [Fact]
    public async Task Smtputf8_NonAsciiAddressesAndHeaders_AreQueuedForSmtputf8Delivery()
    {
        await using var client = await RawSmtpClient.ConnectAsync(fixture.Server.StartTlsPort);
        Assert.Contains("SMTPUTF8", await client.CommandAsync("EHLO utf8.test"), StringComparison.Ordinal);

        Assert.StartsWith("250 2.1.0", await client.CommandAsync("MAIL FROM:<josé@example.com> SMTPUTF8 BODY=8BITMIME"), StringComparison.Ordinal);
        Assert.StartsWith("250 2.1.5", await client.CommandAsync("RCPT TO:<usuário@bücher.example>"), StringComparison.Ordinal);
        Assert.StartsWith("354", await client.CommandAsync("DATA"), StringComparison.Ordinal);
        await client.SendAsync(Encoding.UTF8.GetBytes(
            "From: José <josé@example.com>\r\nTo: <usuário@bücher.example>\r\nSubject: Grüße\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nÄÖÜ ß\r\n.\r\n"));
        var id = TestMessages.QueuedId(await client.ReadReplyAsync());

        Assert.NotNull(id);
        var (message, recipients) = await fixture.Server.Storage.RowsOfAsync(id);
        Assert.True(message!.RequiresSmtpUtf8);
        Assert.Equal("usuário@xn--bcher-kva.example", Assert.Single(recipients).Address);
        Assert.Contains("ÄÖÜ ß", await fixture.Server.Storage.MimeOfAsync(id), StringComparison.Ordinal);
    }
}
