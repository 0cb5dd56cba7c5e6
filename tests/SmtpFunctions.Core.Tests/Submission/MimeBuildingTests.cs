using MimeKit;
using SmtpFunctions.Core.Submission;
using static SmtpFunctions.Core.Tests.Submission.PreparerFixture;

namespace SmtpFunctions.Core.Tests.Submission;

public class MimeBuildingTests
{
    private static MimeMessage Reload(PreparedSubmission prepared) => MimeMessage.Load(new MemoryStream(prepared.Mime.ToArray()));

    [Fact]
    public void Build_WithBcc_PutsBccOnEnvelopeOnly()
    {
        var prepared = Accept("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"bcc\":\"secret@example.org\",\"text\":\"hi\"}");

        Assert.Contains(prepared.Envelope.Recipients, r => r.Address == "secret@example.org");
        Assert.DoesNotContain("secret@example.org", Text(prepared), StringComparison.Ordinal);
        Assert.DoesNotContain("Bcc:", Text(prepared), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Build_AddsMessageIdFromIdAndFromDomain_AndDate()
    {
        var prepared = Accept("{\"from\":\"Alice <a@Example.COM>\",\"to\":\"b@example.net\",\"text\":\"hi\"}");

        var message = Reload(prepared);
        Assert.Equal($"{Id}@example.com", message.MessageId);
        Assert.Equal(Now, message.Date);
        Assert.Single(message.Headers, h => h.Id == HeaderId.MessageId);
        Assert.Single(message.Headers, h => h.Id == HeaderId.Date);
    }

    [Fact]
    public void Build_WithConfiguredMessageIdDomain_UsesIt()
    {
        var prepared = Accept("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"hi\"}", o => o.MessageIdDomain = "mail.example.org");

        Assert.Equal($"{Id}@mail.example.org", Reload(prepared).MessageId);
    }

    [Fact]
    public void Build_TextAndHtml_IsAlternative()
    {
        var message = Reload(Accept("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"plain\",\"html\":\"<b>rich</b>\"}"));

        var alternative = Assert.IsType<MultipartAlternative>(message.Body);
        Assert.Equal("plain", alternative.TextBody!.Trim());
        Assert.Equal("<b>rich</b>", alternative.HtmlBody!.Trim());
    }

    [Fact]
    public void Build_InlinePartWithContentId_IsRelatedToHtml_AndAttachmentMakesMixed()
    {
        var message = Reload(Accept(
            "{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"t\",\"html\":\"<img src=\\\"cid:logo\\\">\"," +
            "\"attachments\":[{\"filename\":\"logo.png\",\"contentType\":\"image/png\",\"content\":\"iVBORw0KGgo=\",\"contentId\":\"<logo>\"}," +
            "{\"filename\":\"report.pdf\",\"contentType\":\"application/pdf\",\"content\":\"JVBERi0=\"}]}"));

        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal("mixed", mixed.ContentType.MediaSubtype);
        var alternative = Assert.IsType<MultipartAlternative>(mixed[0]);
        var related = Assert.IsType<MultipartRelated>(alternative[1]);
        var inline = Assert.IsType<MimePart>(related[1]);
        Assert.Equal("logo", inline.ContentId);
        Assert.Equal("image/png", inline.ContentType.MimeType);
        var attachment = Assert.IsType<MimePart>(mixed[1]);
        Assert.True(attachment.IsAttachment);
        Assert.Equal("report.pdf", attachment.FileName);
        using var content = new MemoryStream();
        attachment.Content!.DecodeTo(content);
        Assert.Equal(Convert.FromBase64String("JVBERi0="), content.ToArray());
    }

    [Fact]
    public void Build_CustomHeaders_AreKeptInOrder()
    {
        var message = Reload(Accept("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"t\",\"headers\":{\"X-Campaign\":\"autumn\",\"X-Ünicode-Value\":\"x\",\"In-Reply-To\":\"<abc@example.com>\"}}".Replace("X-Ünicode-Value", "X-Unicode-Value", StringComparison.Ordinal)));

        Assert.Equal("autumn", message.Headers["X-Campaign"]);
        Assert.Equal("<abc@example.com>", message.Headers["In-Reply-To"]);
    }

    [Fact]
    public void Build_NonAsciiSubjectAndBody_AreSevenBitEncoded()
    {
        var prepared = Accept("{\"from\":\"Zoë <a@example.com>\",\"to\":\"b@example.net\",\"subject\":\"Grüße – 👋\",\"text\":\"Größe\\nzweite Zeile\"}");

        Assert.All(prepared.Mime.ToArray(), b => Assert.True(b < 0x80, "stored message must be 7-bit"));
        Assert.False(prepared.EightBit);
        var message = Reload(prepared);
        Assert.Equal("Grüße – 👋", message.Subject);
        Assert.Equal(["Größe", "zweite Zeile"], message.TextBody!.TrimEnd().Split(["\r\n", "\n"], StringSplitOptions.None));
    }

    [Fact]
    public void Write_UsesCrlfOnly()
    {
        var prepared = Accept("{\"from\":\"a@example.com\",\"to\":\"b@example.net\",\"text\":\"one\\ntwo\\r\\nthree\\rfour\",\"html\":\"<p>\\n</p>\"}");

        var mime = prepared.Mime.ToArray();
        for (var i = 0; i < mime.Length; i++)
        {
            if (mime[i] == (byte)'\n')
            {
                Assert.True(i > 0 && mime[i - 1] == (byte)'\r', $"bare LF at {i}");
            }

            if (mime[i] == (byte)'\r')
            {
                Assert.True(i + 1 < mime.Length && mime[i + 1] == (byte)'\n', $"bare CR at {i}");
            }
        }
    }
}
