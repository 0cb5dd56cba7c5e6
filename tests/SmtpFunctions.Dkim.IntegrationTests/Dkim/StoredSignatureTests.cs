using System.Text;
using System.Text.Json;
using MimeKit;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Submission;
using SmtpFunctions.Testing.Azurite;
using Xunit.Abstractions;

namespace SmtpFunctions.Dkim.IntegrationTests.Dkim;

/// <summary>
/// Messages submitted through the real <see cref="SubmissionService"/> (Azurite storage), then the stored blob verified by
/// dkimpy given only the published TXT records.
/// </summary>
[Collection(DkimCollection.Name)]
public sealed class StoredSignatureTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const string Dual = "d=example.com s=rsa2025 a=rsa-sha256; d=example.com s=ed2025 a=ed25519-sha256";

    [Theory]
    [InlineData("rsa-sha256")]
    [InlineData("ed25519-sha256")]
    public async Task Json_OneKey_StoredMessageVerifiesWithDkimpy(string algorithm)
    {
        var key = algorithm == "rsa-sha256" ? TestKeys.Rsa : TestKeys.Ed25519;
        await using var host = await SigningHost.StartAsync(azurite.Azurite, key);

        var stored = await host.SubmitAsync(SigningHost.Json(SimpleJson("news@example.com")));

        Assert.Equal($"d=example.com s={key.Selector} a={algorithm}", stored.Dkim);
        var report = await DkimPy.VerifyAsync(stored.Mime, key);
        Assert.True(report.AllVerified, report.ToString());
        var signature = Assert.Single(report.Signatures);
        Assert.Equal(algorithm, signature.A);
        Assert.Equal("relaxed/relaxed", signature.C);
        Assert.Null(signature.L);
    }

    [Fact]
    public async Task Json_AttachmentsNonAsciiAndListUnsubscribe_DualSignedAndBothVerify()
    {
        await using var host = await SigningHost.StartAsync(azurite.Azurite, TestKeys.Rsa, TestKeys.Ed25519);

        var stored = await host.SubmitAsync(SigningHost.Json(RichJson()));

        Assert.Equal(Dual, stored.Dkim);
        var report = await DkimPy.VerifyAsync(stored.Mime, TestKeys.Rsa, TestKeys.Ed25519);
        output.WriteLine(Encoding.UTF8.GetString(stored.Mime).Split("\r\n\r\n")[0]);
        Assert.True(report.AllVerified, report.ToString());
        Assert.Equal(["rsa-sha256", "ed25519-sha256"], report.Signatures.Select(s => s.A));
        foreach (var signature in report.Signatures)
        {
            var fields = signature.SignedFields;
            Assert.Equal(2, fields.Count(f => f == "from"));
            Assert.Equal(2, fields.Count(f => f == "list-unsubscribe"));
            Assert.Equal(2, fields.Count(f => f == "list-unsubscribe-post"));
            foreach (var name in new[] { "to", "cc", "reply-to", "subject", "date", "message-id", "mime-version", "content-type" })
            {
                Assert.Contains(name, fields);
            }

            Assert.DoesNotContain("x-campaign", fields);
        }

        var parsed = MimeMessage.Load(new MemoryStream(stored.Mime));
        Assert.Equal("Gr\u00fc\u00dfe \u2013 \u0432\u0430\u0448 \u0441\u0447\u0451\u0442 \ud83d\udcce", parsed.Subject);
        Assert.Equal(3, parsed.Attachments.Count() + parsed.BodyParts.Count(p => p.ContentId == "logo"));
        Assert.Equal("List-Unsubscribe=One-Click", parsed.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public async Task RawMime_EightBitBodyAndAttachment_IsSevenBitStoredAndVerifies()
    {
        await using var host = await SigningHost.StartAsync(azurite.Azurite, TestKeys.Rsa, TestKeys.Ed25519);
        var raw = string.Join("\n",
            "From: =?UTF-8?Q?Bj=C3=B6rk?= <bjork@Example.COM>",
            "To: reader@example.net, =?UTF-8?B?w4ltaWxl?= <emile@example.org>",
            "Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9_attached_=E2=9C=93?=",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"b1\"",
            "",
            "preamble",
            "--b1",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "Caf\u00e9 cr\u00e8me, na\u00efve r\u00e9sum\u00e9.   ",
            "Trailing spaces and tabs\t\t",
            "",
            "",
            "--b1",
            "Content-Type: application/octet-stream; name=\"data.bin\"",
            "Content-Disposition: attachment; filename=\"data.bin\"",
            "Content-Transfer-Encoding: base64",
            "",
            Convert.ToBase64String(Bytes(3000), Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n", StringComparison.Ordinal),
            "--b1--",
            "");

        var stored = await host.SubmitAsync(SigningHost.Mime(Encoding.UTF8.GetBytes(raw)));

        Assert.Equal(Dual, stored.Dkim);
        Assert.False(MessageSerializer.HasEightBitBody(stored.Mime));
        Assert.False(stored.Row.RequiresSmtpUtf8);
        var report = await DkimPy.VerifyAsync(stored.Mime, TestKeys.Rsa, TestKeys.Ed25519);
        Assert.True(report.AllVerified, report.ToString());
        var text = (TextPart)MimeMessage.Load(new MemoryStream(stored.Mime)).BodyParts.First();
        Assert.StartsWith("Caf\u00e9 cr\u00e8me", text.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Smtp_Utf8MessageWrittenInternational_Verifies()
    {
        await using var host = await SigningHost.StartAsync(azurite.Azurite, TestKeys.Rsa, TestKeys.Ed25519);
        var raw = string.Join("\r\n",
            "From: J\u00f6rg <j\u00f6rg@example.com>",
            "To: \u7528\u6237@example.net",
            "Subject: \u65e5\u672c\u8a9e\u306e\u4ef6\u540d",
            "Date: Sun, 01 Jun 2025 12:00:00 +0000",
            "Message-ID: <utf8-1@example.com>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "\u3053\u3093\u306b\u3061\u306f",
            "");
        var envelope = new SubmissionEnvelope("j\u00f6rg@example.com", ["\u7528\u6237@example.net"]);

        var stored = await host.SubmitAsync(SigningHost.Mime(Encoding.UTF8.GetBytes(raw), envelope));

        Assert.True(stored.Row.RequiresSmtpUtf8);
        Assert.Contains("Subject: \u65e5\u672c\u8a9e", Encoding.UTF8.GetString(stored.Mime), StringComparison.Ordinal);
        Assert.Equal(Dual, stored.Dkim);
        var report = await DkimPy.VerifyAsync(stored.Mime, TestKeys.Rsa, TestKeys.Ed25519);
        Assert.True(report.AllVerified, report.ToString());
    }

    [Fact]
    public async Task Dsn_FromOurDomainWithNullSender_IsSignedAndVerifies()
    {
        await using var host = await SigningHost.StartAsync(azurite.Azurite, TestKeys.Rsa);
        var dsn = new MimeMessage();
        dsn.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@example.com"));
        dsn.To.Add(MailboxAddress.Parse("sender@example.org"));
        dsn.Subject = "Undelivered Mail Returned to Sender";
        var report = new MultipartReport("delivery-status");
        report.Add(new TextPart("plain") { Text = "Your message could not be delivered to nobody@example.net.\n" });
        var status = new MessageDeliveryStatus();
        var fields = new HeaderList { { "Reporting-MTA", "dns; mx.example.com" } };
        status.StatusGroups.Add(fields);
        status.StatusGroups.Add(new HeaderList { { "Final-Recipient", "rfc822; nobody@example.net" }, { "Action", "failed" }, { "Status", "5.1.1" } });
        report.Add(status);
        dsn.Body = report;

        var stored = await host.SubmitAsync(new SubmissionRequest
        {
            Source = SubmissionSource.Bounce,
            Payload = new MessagePayload(dsn),
            Envelope = new SubmissionEnvelope(null, ["sender@example.org"]),
        });

        Assert.Equal("d=example.com s=rsa2025 a=rsa-sha256", stored.Dkim);
        Assert.Equal("", stored.Row.Sender);
        var verdict = await DkimPy.VerifyAsync(stored.Mime, TestKeys.Rsa);
        Assert.True(verdict.AllVerified, verdict.ToString());
    }

    [Fact]
    public async Task FromDomainWithoutKey_IsStoredUnsignedAndStatusSaysSo()
    {
        await using var host = await SigningHost.StartAsync(azurite.Azurite, TestKeys.Rsa, TestKeys.Ed25519);

        var stored = await host.SubmitAsync(SigningHost.Json(SimpleJson("news@other.example")));

        Assert.Equal("unsigned", stored.Dkim);
        Assert.DoesNotContain("DKIM-Signature", Encoding.ASCII.GetString(stored.Mime), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, (await DkimPy.VerifyAsync(stored.Mime, TestKeys.Rsa)).Count);
    }

    [Fact]
    public async Task AlteredAfterSigning_FailsDkimpyVerification()
    {
        await using var host = await SigningHost.StartAsync(azurite.Azurite, TestKeys.Rsa, TestKeys.Ed25519);
        var stored = await host.SubmitAsync(SigningHost.Json(SimpleJson("news@example.com")));
        var text = Encoding.ASCII.GetString(stored.Mime);
        var (headers, body) = (text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)], text[text.IndexOf("\r\n\r\n", StringComparison.Ordinal)..]);

        var alterations = new Dictionary<string, string>
        {
            ["body changed"] = headers + body.Replace("Your invoice", "Your lnvoice", StringComparison.Ordinal),
            ["line added to body"] = text + "P.S. send money\r\n",
            ["second From added"] = "From: ceo@attacker.example\r\n" + text,
            ["Reply-To added"] = headers + "\r\nReply-To: thief@attacker.example" + body,
            ["Subject changed"] = text.Replace("Subject: Your invoice", "Subject: Your lnvoice", StringComparison.Ordinal),
        };

        Assert.True((await DkimPy.VerifyAsync(stored.Mime, TestKeys.Rsa, TestKeys.Ed25519)).AllVerified);
        foreach (var (what, altered) in alterations)
        {
            Assert.NotEqual(text, altered);
            var report = await DkimPy.VerifyAsync(Encoding.ASCII.GetBytes(altered), TestKeys.Rsa, TestKeys.Ed25519);
            Assert.True(report.Count == 2 && report.Signatures.All(s => !s.Ok), $"{what}: {report}");
        }
    }

    [Fact]
    public async Task WrongPublicKeyPublished_FailsDkimpyVerification()
    {
        await using var host = await SigningHost.StartAsync(azurite.Azurite, TestKeys.Rsa);
        var stored = await host.SubmitAsync(SigningHost.Json(SimpleJson("news@example.com")));

        var report = await DkimPy.VerifyAsync(stored.Mime, TestKeys.OtherRsa);

        Assert.False(Assert.Single(report.Signatures).Ok, report.ToString());
    }

    [Fact]
    public async Task KeygenCommandOutput_ConfiguredAndPublished_Verifies()
    {
        using var output = new StringWriter();
        Assert.Equal(0, DkimKeygenCommand.Run(["--domain", "example.com", "--selector", "fresh", "--algorithm", "ed25519"], output));
        var printed = output.ToString();
        var zoneLine = printed.Split('\n').Single(l => l.StartsWith("fresh._domainkey.example.com. IN TXT", StringComparison.Ordinal));
        var strings = zoneLine.Split('"').Where((_, i) => i % 2 == 1).ToList();
        var pem = printed[printed.IndexOf("-----BEGIN PRIVATE KEY-----", StringComparison.Ordinal)..];
        var key = new DkimKeyPair("example.com", "fresh", MimeKit.Cryptography.DkimSignatureAlgorithm.Ed25519Sha256, pem, PublicKey: "");
        await using var host = await SigningHost.StartAsync(azurite.Azurite, key);

        var stored = await host.SubmitAsync(SigningHost.Json(SimpleJson("news@example.com")));

        var report = await DkimPy.VerifyAsync(stored.Mime, new Dictionary<string, IReadOnlyList<string>> { ["fresh._domainkey.example.com"] = strings });
        Assert.True(report.AllVerified, report.ToString());
    }

    private static string SimpleJson(string from) => JsonSerializer.Serialize(new
    {
        from = $"Billing <{from}>",
        to = "customer@example.net",
        subject = "Your invoice",
        text = "Your invoice is attached.\nThanks!\n",
    });

    private static string RichJson() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["from"] = "Zo\u00eb \u0160\u0165astn\u00e1 <news@example.com>",
        ["to"] = new List<string> { "J\u00fcrgen M\u00fcller <reader@example.net>", "other@example.org" },
        ["cc"] = "cc@example.net",
        ["replyTo"] = "support@example.com",
        ["subject"] = "Gr\u00fc\u00dfe \u2013 \u0432\u0430\u0448 \u0441\u0447\u0451\u0442 \ud83d\udcce",
        ["text"] = "H\u00e4llo,\n\n" + string.Concat(Enumerable.Repeat("a long line of text that goes on ", 40)) + "\n\n-- \nthe team\n",
        ["html"] = "<p>H\u00e4llo <img src=\"cid:logo\"></p>",
        ["headers"] = new Dictionary<string, string> { ["X-Campaign"] = "spring" },
        ["listUnsubscribe"] = new List<string> { "https://example.com/unsubscribe?u=42&l=news", "mailto:unsubscribe@example.com?subject=unsubscribe" },
        ["attachments"] = new object[]
        {
            new { filename = "report.pdf", contentType = "application/pdf", content = Convert.ToBase64String(Bytes(20000)) },
            new { filename = "logo.png", contentType = "image/png", content = Convert.ToBase64String(Bytes(700)), contentId = "logo" },
            new { filename = "na\u00efve.txt", contentType = "text/plain; charset=utf-8", content = Convert.ToBase64String(Encoding.UTF8.GetBytes("\u00dcn\u00efc\u00f6d\u00e9\r\n")) },
        },
    });

    private static byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        new Random(42).NextBytes(bytes);
        return bytes;
    }
}
