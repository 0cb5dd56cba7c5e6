using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>Checks a message that arrived as MIME (HTTP <c>message/rfc822</c>, SMTP DATA, a DSN) and derives its envelope.</summary>
/// <remarks>
/// Without an explicit envelope the reverse-path is Sender, else the single From mailbox, and the recipients are
/// To + Cc + Bcc (RFC 5322 §3.6.3); Bcc is then removed from the stored message in every case.
/// </remarks>
internal static class MimeMessageRules
{
    public static PreparedMessage? Prepare(MimeMessage message, SubmissionEnvelope? given, int maxRecipients, out List<FieldError> errors)
    {
        errors = [];
        EnvelopeAddress? sender = null;
        var recipients = new RecipientCollector(maxRecipients);

        if (message.From.Count == 0)
        {
            errors.Add(new FieldError("From", "the message has no From header"));
        }

        foreach (var mailbox in message.From.Mailboxes)
        {
            if (!AddressRules.TryParseMailbox(mailbox.ToString(), out _, out var problem))
            {
                errors.Add(new FieldError("From", problem!));
            }
        }

        if (given is not null)
        {
            if (given.Sender is { Length: > 0 } reversePath)
            {
                if (AddressRules.TryParseEnvelope(reversePath, out var address, out var problem))
                {
                    sender = address;
                }
                else
                {
                    errors.Add(new FieldError("MAIL FROM", problem!));
                }
            }

            recipients.AddEnvelope("RCPT TO", given.Recipients);
            recipients.CheckCount("RCPT TO");
        }
        else
        {
            var author = message.Sender ?? (message.From.Mailboxes.Count() == 1 ? message.From.Mailboxes.First() : null);
            if (author is null && message.From.Count > 0)
            {
                errors.Add(new FieldError("Sender", "a message with several From mailboxes needs a Sender header"));
            }
            else if (author is not null)
            {
                if (AddressRules.TryParseMailbox(author.ToString(), out var mailbox, out var problem))
                {
                    sender = AddressRules.ToEnvelope(mailbox!);
                }
                else
                {
                    errors.Add(new FieldError(message.Sender is null ? "From" : "Sender", problem!));
                }
            }

            recipients.AddHeader("To", message.To);
            recipients.AddHeader("Cc", message.Cc);
            recipients.AddHeader("Bcc", message.Bcc);
            recipients.CheckCount("To");
        }

        errors.AddRange(recipients.Errors);
        if (errors.Count > 0)
        {
            return null;
        }

        // Bcc recipients are on the envelope; the header must not travel (RFC 5322 §3.6.3, third way).
        message.Headers.RemoveAll(HeaderId.Bcc);
        return new PreparedMessage(message, new Envelope(sender, recipients.Recipients));
    }
}
