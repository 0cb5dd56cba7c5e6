using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Testing.Azurite;
using SmtpFunctions.Testing.Postfix;

namespace SmtpFunctions.Dkim.IntegrationTests.Dkim;

/// <summary>
/// What a receiver sees: the stored, signed octets sent with MailKit (as delivery sends them) through a relaying Postfix to
/// a second Postfix that files them in a Maildir; dkimpy then verifies the delivered file, trace headers and all.
/// </summary>
[Collection(DkimCollection.Name)]
public sealed class ThroughPostfixTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private PostfixInstance? _final;
    private PostfixInstance? _relay;

    public async Task InitializeAsync()
    {
        var final = new PostfixOptions { HostName = "mx.example.net" };
        final.MailboxDomains.Add("example.net");
        _final = await PostfixInstance.StartAsync(final);
        _relay = await PostfixInstance.StartAsync(new PostfixOptions { HostName = "relay.example.org", RelayHost = _final.EndPoint });
    }

    public async Task DisposeAsync()
    {
        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }

        if (_final is not null)
        {
            await _final.DisposeAsync();
        }
    }

    [Fact]
    public async Task JsonWithAttachments_DualSigned_StillVerifiesInTheReceiversMaildir()
    {
        await using var host = await SigningHost.StartAsync(azurite.Azurite, TestKeys.Rsa, TestKeys.Ed25519);
        var json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["from"] = "Zo\u00eb <news@example.com>",
            ["to"] = "J\u00fcrgen <reader@example.net>",
            ["subject"] = "Gr\u00fc\u00dfe \u2013 \u0432\u0430\u0448 \u0441\u0447\u0451\u0442",
            ["text"] = "H\u00e4llo\n.\n..leading dots survive dot-stuffing\n" + new string('x', 2000) + "\n",
            ["html"] = "<p>H\u00e4llo</p>",
            ["listUnsubscribe"] = new List<string> { "https://example.com/u?id=1", "mailto:u@example.com" },
            ["attachments"] = new object[] { new { filename = "r\u00e9sum\u00e9.pdf", contentType = "application/pdf", content = Convert.ToBase64String(new byte[50_000]) } },
        });
        var stored = await host.SubmitAsync(SigningHost.Json(json));

        var delivered = await RelayAsync(stored, "reader@example.net", international: false);

        // Byte for byte what was stored, below the trace fields both Postfixes put on top (two Received, Delivered-To, …).
        Assert.True(delivered.Bytes.AsSpan().EndsWith(stored.Mime), "the delivered message does not end with the stored octets");
        var trace = Encoding.ASCII.GetString(delivered.Bytes, 0, delivered.Bytes.Length - stored.Mime.Length);
        Assert.Contains("by relay.example.org", trace, StringComparison.Ordinal);
        Assert.Contains("by mx.example.net", trace, StringComparison.Ordinal);
        var report = await DkimPy.VerifyAsync(delivered.Bytes, TestKeys.Rsa, TestKeys.Ed25519);
        Assert.True(report.Count == 2 && report.AllVerified, report.ToString());
    }

    [Fact]
    public async Task SmtpUtf8Message_StillVerifiesInTheReceiversMaildir()
    {
        await using var host = await SigningHost.StartAsync(azurite.Azurite, TestKeys.Rsa, TestKeys.Ed25519);
        var raw = "From: J\u00f6rg <j\u00f6rg@example.com>\r\nTo: \u7528\u6237@example.net\r\nSubject: \u65e5\u672c\u8a9e\r\n" +
                  "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\u3053\u3093\u306b\u3061\u306f\r\n";
        var stored = await host.SubmitAsync(SigningHost.Mime(Encoding.UTF8.GetBytes(raw), new SubmissionEnvelope("j\u00f6rg@example.com", ["\u7528\u6237@example.net"])));

        var delivered = await RelayAsync(stored, "\u7528\u6237@example.net", international: true);

        var report = await DkimPy.VerifyAsync(delivered.Bytes, TestKeys.Rsa, TestKeys.Ed25519);
        Assert.True(report.Count == 2 && report.AllVerified, report.ToString());
    }

    [Fact]
    public async Task AlteredInTransit_FailsInTheReceiversMaildir()
    {
        await using var host = await SigningHost.StartAsync(azurite.Azurite, TestKeys.Rsa);
        var stored = await host.SubmitAsync(SigningHost.Json(JsonSerializer.Serialize(new { from = "news@example.com", to = "reader@example.net", subject = "Hi", text = "Original text\n" })));
        var altered = stored with { Mime = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(stored.Mime).Replace("Original text", "Modified text", StringComparison.Ordinal)) };

        var delivered = await RelayAsync(altered, "reader@example.net", international: false);

        Assert.False(Assert.Single((await DkimPy.VerifyAsync(delivered.Bytes, TestKeys.Rsa)).Signatures).Ok);
    }

    // Sends the stored octets as delivery does: MailKit, explicit envelope, the message re-read from the blob.
    private async Task<MaildirMessage> RelayAsync(StoredMessage stored, string recipient, bool international)
    {
        var message = MimeMessage.Load(new MemoryStream(stored.Mime));
        var format = FormatOptions.Default.Clone();
        format.International = international;
        using (var client = new SmtpClient())
        {
            await client.ConnectAsync(_relay!.Address.ToString(), _relay.Port, SecureSocketOptions.None);
            await client.SendAsync(format, message, new MailboxAddress("", stored.Row.Sender), [new MailboxAddress("", recipient)]);
            await client.DisconnectAsync(quit: true);
        }

        var delivered = await _final!.WaitForMailboxAsync(recipient, 1, TimeSpan.FromSeconds(60));
        return delivered.Single(m => m.ToMimeMessage().MessageId == message.MessageId);
    }
}
