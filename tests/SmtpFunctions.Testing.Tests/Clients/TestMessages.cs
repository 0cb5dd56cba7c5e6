using System.Text;
using MimeKit;

namespace SmtpFunctions.Testing.Tests.Clients;

/// <summary>Messages the smoke tests send, and the bytes a client puts on the wire for them.</summary>
public static class TestMessages
{
    /// <summary>A multipart message with a non-ASCII subject and an attachment (and a Bcc header when <paramref name="bcc"/> is given).</summary>
    public static MimeMessage Create(string from, string to, string subject = "Grüße — smoke test", string? bcc = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        if (bcc is not null)
        {
            message.Bcc.Add(MailboxAddress.Parse(bcc));
        }

        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("client.test");
        var body = new BodyBuilder { TextBody = "Hello,\r\n.leading dot line\r\nthree é accents\r\n" };
        body.Attachments.Add("data.bin", Enumerable.Range(0, 3000).Select(i => (byte)i).ToArray(), new ContentType("application", "octet-stream"));
        message.Body = body.ToMessageBody();
        return message;
    }

    /// <summary>The message as MailKit's SmtpClient sent it after DATA: CRLF, Bcc hidden.</summary>
    public static byte[] WireBytes(MimeMessage message)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        options.HiddenHeaders.Add(HeaderId.Bcc);
        options.HiddenHeaders.Add(HeaderId.ResentBcc);
        using var stream = new MemoryStream();
        message.WriteTo(options, stream);
        return stream.ToArray();
    }

    /// <summary>Header fields (name and raw value) in order, for header-for-header comparison.</summary>
    public static IReadOnlyList<string> HeaderLines(MimeMessage message) =>
        message.Headers.Select(h => h.Field + ":" + Encoding.UTF8.GetString(h.RawValue).ReplaceLineEndings("\n")).ToList();
}
