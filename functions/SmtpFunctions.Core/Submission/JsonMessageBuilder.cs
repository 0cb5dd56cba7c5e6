using System.Buffers.Text;
using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>Checks a JSON submission against every rule and builds its MIME with MimeKit's <see cref="BodyBuilder"/>.</summary>
/// <remarks>
/// Text and HTML become <c>multipart/alternative</c>; parts with a <c>contentId</c> become <c>multipart/related</c> with the
/// HTML (RFC 2387); other attachments wrap all in <c>multipart/mixed</c>. Bcc goes on the envelope only.
/// </remarks>
internal static class JsonMessageBuilder
{
    public static PreparedMessage? Build(JsonMessageRequest request, int maxRecipients, out List<FieldError> errors)
    {
        errors = [];
        var message = NewMessage();

        MailboxAddress? from = null;
        if (request.From is null)
        {
            errors.Add(new FieldError("from", "is required"));
        }
        else if (!AddressRules.TryParseMailbox(request.From, out from, out var problem))
        {
            errors.Add(new FieldError("from", problem!));
        }
        else
        {
            message.From.Add(from!);
        }

        var recipients = new RecipientCollector(maxRecipients);
        recipients.AddInputs("to", request.To, message.To);
        recipients.AddInputs("cc", request.Cc, message.Cc);
        recipients.AddInputs("bcc", request.Bcc);
        recipients.CheckCount("to");
        errors.AddRange(recipients.Errors);

        if (request.ReplyTo is { } replyTo)
        {
            for (var i = 0; i < replyTo.Count; i++)
            {
                if (AddressRules.TryParseMailbox(replyTo[i], out var mailbox, out var problem))
                {
                    message.ReplyTo.Add(mailbox!);
                }
                else
                {
                    errors.Add(new FieldError($"replyTo[{i}]", problem!));
                }
            }
        }

        if (request.Subject is { } subject)
        {
            if (HeaderRules.ContainsLineBreak(subject))
            {
                errors.Add(new FieldError("subject", "contains CR or LF"));
            }
            else
            {
                message.Subject = subject;
            }
        }

        if (request.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                if (HeaderRules.Check(name, value) is { } problem)
                {
                    errors.Add(new FieldError($"headers.{name}", problem));
                }
                else if (ListUnsubscribeRules.IsOwnedField(name))
                {
                    errors.Add(new FieldError($"headers.{name}", "is set by the listUnsubscribe field, which checks its URIs"));
                }
                else
                {
                    message.Headers.Add(name, value!);
                }
            }
        }

        ListUnsubscribeRules.Apply(request.ListUnsubscribe, request.ListUnsubscribeOneClick, message, errors);

        if (request.Text is null && request.Html is null)
        {
            errors.Add(new FieldError("text", "text or html (or both) is required"));
        }

        var body = new BodyBuilder { TextBody = NormalizeLineEnds(request.Text), HtmlBody = NormalizeLineEnds(request.Html) };
        AddAttachments(request, body, errors);

        if (errors.Count > 0)
        {
            return null;
        }

        message.Body = body.ToMessageBody();
        return new PreparedMessage(message, new Envelope(AddressRules.ToEnvelope(from!), recipients.Recipients));
    }

    // The message starts with the two placeholders MimeKit's parameterless constructor puts first (From, Subject), so the
    // header order — and the stored octets — are what they always were. That constructor also invents a Message-ID and a
    // Date we would only remove (ours come from the message id at submission), and inventing the Message-ID looks up and
    // IDN-encodes the host name: ~35 µs, more than the rest of building a small message.
    private static MimeMessage NewMessage() =>
        new((IEnumerable<Header>)[new Header(HeaderId.From, string.Empty), new Header(HeaderId.Subject, string.Empty)]);

    private static void AddAttachments(JsonMessageRequest request, BodyBuilder body, List<FieldError> errors)
    {
        if (request.Attachments is not { } attachments)
        {
            return;
        }

        for (var i = 0; i < attachments.Count; i++)
        {
            var field = $"attachments[{i}]";
            if (attachments[i] is not { } attachment)
            {
                errors.Add(new FieldError(field, "must be an object"));
                continue;
            }

            var before = errors.Count;
            if (string.IsNullOrWhiteSpace(attachment.Filename))
            {
                errors.Add(new FieldError($"{field}.filename", "is required"));
            }
            else if (attachment.Filename.Any(char.IsControl))
            {
                errors.Add(new FieldError($"{field}.filename", "contains control characters"));
            }

            ContentType? contentType = new ContentType("application", "octet-stream");
            if (attachment.ContentType is { } type && (HeaderRules.ContainsLineBreak(type) || !ContentType.TryParse(type, out contentType)))
            {
                errors.Add(new FieldError($"{field}.contentType", $"'{type}' is not a valid MIME type"));
            }
            else if (contentType!.IsMimeType("multipart", "*") || contentType.IsMimeType("message", "*"))
            {
                errors.Add(new FieldError($"{field}.contentType", "multipart and message types cannot be attached as content"));
            }

            byte[]? data = null;
            if (attachment.Content is null)
            {
                errors.Add(new FieldError($"{field}.content", "is required (base64)"));
            }
            else if (!TryDecodeBase64(attachment.Content, out data))
            {
                errors.Add(new FieldError($"{field}.content", "is not valid base64"));
            }

            string? contentId = null;
            if (attachment.ContentId is { } cid)
            {
                contentId = cid.Trim().TrimStart('<').TrimEnd('>');
                if (contentId.Length == 0 || contentId.Any(c => c is <= ' ' or > '~' or '<' or '>' or '"' or '\\'))
                {
                    errors.Add(new FieldError($"{field}.contentId", "must be printable ASCII without spaces or brackets"));
                }
                else if (request.Html is null)
                {
                    errors.Add(new FieldError($"{field}.contentId", "inline parts need an html body that references them"));
                }
            }

            if (errors.Count > before)
            {
                continue;
            }

            if (contentId is null)
            {
                body.Attachments.Add(attachment.Filename!, data!, contentType!);
            }
            else
            {
                var part = body.LinkedResources.Add(attachment.Filename!, data!, contentType!);
                part.ContentId = contentId;
            }
        }
    }

    // Any of CRLF, LF or a lone CR ends a line; MimeKit then writes every line end as CRLF.
    private static string? NormalizeLineEnds(string? text) =>
        text?.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    private static bool TryDecodeBase64(string text, out byte[]? data)
    {
        data = null;
        var trimmed = text.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
        if (!Base64.IsValid(trimmed, out var length))
        {
            return false;
        }

        data = new byte[length];
        return Convert.TryFromBase64String(trimmed, data, out var written) && written == length;
    }
}
