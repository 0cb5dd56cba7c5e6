using System.Globalization;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace SmtpFunctions.Core.Bounces;

/// <summary>Builds a delivery status notification with MimeKit.</summary>
/// <remarks>
/// RFC 3464 (<c>message/delivery-status</c>: per-message fields, then per-recipient Final-Recipient, Action, Status,
/// Remote-MTA, Diagnostic-Code, Last-Attempt-Date) inside RFC 6522's <c>multipart/report; report-type=delivery-status</c>,
/// with a human-readable first part and the original headers as <c>text/rfc822-headers</c> (the body is not returned).
/// <c>Auto-Submitted: auto-replied</c> (RFC 3834 §5) tells responders not to answer it.
/// </remarks>
public static class DsnBuilder
{
    /// <summary>The DSN for <paramref name="report"/>, from <c>MAILER-DAEMON@</c><paramref name="reportingMta"/>.</summary>
    public static MimeMessage Build(BounceReport report, string reportingMta, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(report);
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + reportingMta));
        message.To.Add(MailboxAddress.Parse(report.Sender));
        message.Subject = "Undelivered Mail Returned to Sender";
        message.Date = now;
        // MimeKit would name the machine; the DSN comes from the reporting MTA, like its MAILER-DAEMON address.
        message.MessageId = MimeUtils.GenerateMessageId(reportingMta);
        message.Headers.Add("Auto-Submitted", "auto-replied");
        var originalId = OriginalMessageId(report.OriginalHeaders);
        if (originalId is not null)
        {
            message.InReplyTo = originalId;
            message.References.Add(originalId);
        }

        var body = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = HumanReadable(report, reportingMta) },
            Status(report, reportingMta),
        };
        if (OriginalHeaders(report.OriginalHeaders) is { } original)
        {
            body.Add(new TextRfc822Headers { Message = original });
        }

        message.Body = body;
        return message;
    }

    private static MessageDeliveryStatus Status(BounceReport report, string reportingMta)
    {
        var groups = new List<HeaderList>
        {
            new()
            {
                { "Reporting-MTA", "dns; " + reportingMta },
                { "X-SmtpFunctions-Message-Id", report.MessageId },
                { "Arrival-Date", DateUtils.FormatDate(report.SubmittedAt) },
            },
        };
        foreach (var recipient in report.Recipients)
        {
            var group = new HeaderList
            {
                { "Final-Recipient", FinalRecipient(recipient.Address) },
                { "Action", "failed" },
                { "Status", recipient.Reply.EnhancedCode },
            };
            if (recipient.RemoteMta is { Length: > 0 } mta)
            {
                group.Add("Remote-MTA", "dns; " + mta);
            }

            // "smtp" only for what a peer said (RFC 3464 §2.3.6); local conditions get our own diagnostic type.
            var diagnostic = recipient.Reply.Code is not null ? "smtp; " + recipient.Reply : "X-SmtpFunctions; " + recipient.Reply;
            group.Add("Diagnostic-Code", diagnostic);
            group.Add("Last-Attempt-Date", DateUtils.FormatDate(recipient.LastAttemptAt));
            groups.Add(group);
        }

        // Groups are separated by a blank line (RFC 3464 §2.1). MimeKit writes StatusGroups added in code back to back,
        // which parses as one group, so the content is written here and MimeKit parses the groups back from it.
        var content = new MemoryStream();
        for (var i = 0; i < groups.Count; i++)
        {
            if (i > 0)
            {
                content.Write("\r\n"u8);
            }

            foreach (var header in groups[i])
            {
                // RawValue is the folded value with its CRLF, exactly as MimeKit would write it.
                content.Write(Encoding.ASCII.GetBytes(header.Field + ":"));
                content.Write(header.RawValue);
            }
        }

        content.Position = 0;
        return new MessageDeliveryStatus { Content = new MimeContent(content) };
    }

    // An internationalized address is of type utf-8 (RFC 6533 §3), and in a message/delivery-status part, which stays
    // 7-bit, written in its utf-8-addr-xtext form: each non-ASCII character, and '+', '\' and '=', as \x{HEX}.
    private static string FinalRecipient(string address)
    {
        if (address.All(char.IsAscii))
        {
            return "rfc822; " + address;
        }

        var text = new StringBuilder("utf-8; ");
        foreach (var rune in address.EnumerateRunes())
        {
            if (rune.IsAscii && rune.Value is > 0x20 and < 0x7F and not ('+' or '\\' or '='))
            {
                text.Append((char)rune.Value);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{{{rune.Value:X}}}");
            }
        }

        return text.ToString();
    }

    private static string HumanReadable(BounceReport report, string reportingMta)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"This is the mail system at host {reportingMta}.\n\n");
        text.Append("I'm sorry to have to inform you that your message could not\n");
        text.Append("be delivered to one or more recipients. It's attached below.\n\n");
        text.Append(CultureInfo.InvariantCulture, $"Message {report.MessageId}, submitted {report.SubmittedAt:u}.\n\n");
        foreach (var recipient in report.Recipients)
        {
            var via = recipient.RemoteMta is { Length: > 0 } mta ? $" (host {mta} said)" : "";
            text.Append(CultureInfo.InvariantCulture, $"<{recipient.Address}>{via}: {recipient.Reply}\n");
        }

        return text.ToString();
    }

    private static string? OriginalMessageId(ReadOnlyMemory<byte> headerBlock) =>
        OriginalHeaders(headerBlock)?.MessageId;

    // The header block parsed as a message without a body: headers keep their raw form when written back out.
    private static MimeMessage? OriginalHeaders(ReadOnlyMemory<byte> headerBlock)
    {
        if (headerBlock.IsEmpty)
        {
            return null;
        }

        var bytes = new byte[headerBlock.Length + 2];
        headerBlock.Span.CopyTo(bytes);
        bytes[^2] = (byte)'\r';
        bytes[^1] = (byte)'\n';
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            return MimeMessage.Load(stream);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
