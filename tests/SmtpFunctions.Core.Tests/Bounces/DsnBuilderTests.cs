using System.Text;
using MimeKit;
using SmtpFunctions.Core.Bounces;
using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Tests.Bounces;

public sealed class DsnBuilderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 30, 0, TimeSpan.Zero);

    private static readonly byte[] Headers = Encoding.ASCII.GetBytes(
        "From: Sender <sender@sender.test>\r\nTo: bad@example.net, good@example.net\r\nSubject: Report\r\nMessage-ID: <orig-1@sender.test>\r\n");

    private static MimeMessage Build() => DsnBuilder.Build(
        new BounceReport("m-1", "sender@sender.test", Now.AddMinutes(-30), Headers,
        [
            new FailedRecipient("bad@example.net", FailureClassifier.FromReply(550, "5.1.1 <bad@example.net>: User unknown"), "mx.example.net", Now),
            new FailedRecipient("gone@nowhere.test", FailureClassifier.FromDns(DnsClient.DnsResponseCode.NotExistentDomain, "nowhere.test", "MX"), null, Now),
        ]),
        "mta.sender.test",
        Now);

    [Fact]
    public void Build_IsAMultipartReportOfTypeDeliveryStatusToTheSender()
    {
        var dsn = Build();

        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal("sender@sender.test", Assert.Single(dsn.To.Mailboxes).Address);
        Assert.Equal("MAILER-DAEMON@mta.sender.test", Assert.Single(dsn.From.Mailboxes).Address);
        Assert.Equal("auto-replied", dsn.Headers["Auto-Submitted"]);
        Assert.Equal("orig-1@sender.test", dsn.InReplyTo);
        Assert.IsType<TextPart>(report[0]);
        Assert.IsType<MessageDeliveryStatus>(report[1]);
        var headers = Assert.IsType<TextRfc822Headers>(report[2]);
        Assert.Equal("Report", headers.Message!.Subject);
    }

    [Fact]
    public void Build_HasPerMessageAndPerRecipientFields()
    {
        var status = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(Build().Body)[1]);

        Assert.Equal(3, status.StatusGroups.Count);
        Assert.Equal("dns; mta.sender.test", status.StatusGroups[0]["Reporting-MTA"]);
        var bad = status.StatusGroups[1];
        Assert.Equal("rfc822; bad@example.net", bad["Final-Recipient"]);
        Assert.Equal("failed", bad["Action"]);
        Assert.Equal("5.1.1", bad["Status"]);
        Assert.Equal("dns; mx.example.net", bad["Remote-MTA"]);
        Assert.Equal("smtp; 550 5.1.1 <bad@example.net>: User unknown", bad["Diagnostic-Code"]);
        var gone = status.StatusGroups[2];
        Assert.Equal("5.1.2", gone["Status"]);
        Assert.Null(gone["Remote-MTA"]);
        Assert.StartsWith("X-SmtpFunctions; 5.1.2", gone["Diagnostic-Code"], StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SurvivesARoundTripThroughMime()
    {
        using var stream = new MemoryStream();
        Build().WriteTo(stream);
        stream.Position = 0;

        var parsed = MimeMessage.Load(stream);

        var report = Assert.IsType<MultipartReport>(parsed.Body);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.True(3 == status.StatusGroups.Count, report[1].ToString());
        Assert.Equal("5.1.1", status.StatusGroups[1]["Status"]);
        Assert.Equal("text/rfc822-headers", report[2].ContentType.MimeType);
        Assert.Contains("Subject: Report", report[2].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MessageIdNamesTheReportingMta_NotTheMachine()
    {
        var dsn = Build();

        Assert.EndsWith("@mta.sender.test", dsn.MessageId, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NonAsciiRecipient_IsAUtf8AddressInItsXtextForm()
    {
        var dsn = DsnBuilder.Build(
            new BounceReport("m-2", "sender@sender.test", Now, Headers,
                [new FailedRecipient("jürgen+x@bücher.example", FailureClassifier.FromReply(550, "5.1.1 unknown"), null, Now)]),
            "mta.sender.test",
            Now);

        var report = Assert.IsType<MultipartReport>(dsn.Body);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        var group = status.StatusGroups.Skip(1).Single();
        Assert.Equal(@"utf-8; j\x{FC}rgen\x{2B}x@b\x{FC}cher.example", group["Final-Recipient"]);
        Assert.All(group["Final-Recipient"] ?? "", c => Assert.True(c < 0x80));
    }
}
