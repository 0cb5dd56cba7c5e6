using System.Buffers;
using MimeKit;
using MimeKit.IO.Filters;

namespace SmtpFunctions.Core.Submission;

/// <summary>Checks a JSON submission against every rule and builds its MIME with MimeKit's <see cref="BodyBuilder"/>.</summary>
/// <remarks>
/// Text and HTML become <c>multipart/alternative</c>; parts with a <c>contentId</c> become <c>multipart/related</c> with the
/// HTML (RFC 2387); other attachments wrap all in <c>multipart/mixed</c>. Bcc goes on the envelope only.
/// </remarks>
internal static class JsonMessageBuilder
{
    public static PreparedMessage? Build(JsonMessageRequest request, int maxRecipients, int maxHeaderFields, out List<FieldError> errors)
    {
        errors = [];
        var message = NewMessage();
        MessageMetadata.Check(request.Metadata, errors);
        MessageTags.Check(request.Tags, errors);

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

        // Counts first, then per-address work, and each header list filled in one go.
        var recipients = new RecipientCollector(maxRecipients);
        var to = new List<MailboxAddress>();
        var cc = new List<MailboxAddress>();
        recipients.AddInputs("to", request.To, to);
        recipients.AddInputs("cc", request.Cc, cc);
        recipients.AddInputs("bcc", request.Bcc);
        recipients.CheckCount("to");
        errors.AddRange(recipients.Errors);
        if (recipients.Errors.Count == 0)
        {
            message.To.AddRange(to);
            message.Cc.AddRange(cc);
        }

        if (request.ReplyTo is { Count: > 0 } replyTo)
        {
            AddReplyTo(replyTo, maxRecipients, message, errors);
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

        if (request.Headers is { } tooMany && tooMany.Count > maxHeaderFields)
        {
            errors.Add(new FieldError("headers", $"{tooMany.Count} fields; at most {maxHeaderFields} are allowed"));
        }
        else if (request.Headers is { } headers)
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

    // Reply-To names no recipient, but each mailbox is parsed like one; more than a message may have recipients is refused
    // before any is parsed.
    private static void AddReplyTo(IReadOnlyList<string> replyTo, int maxMailboxes, MimeMessage message, List<FieldError> errors)
    {
        if (replyTo.Count > maxMailboxes)
        {
            errors.Add(new FieldError("replyTo", $"{replyTo.Count} mailboxes; at most {maxMailboxes} are allowed"));
            return;
        }

        var mailboxes = new List<MailboxAddress>(replyTo.Count);
        for (var i = 0; i < replyTo.Count; i++)
        {
            if (AddressRules.TryParseMailbox(replyTo[i], out var mailbox, out var problem))
            {
                mailboxes.Add(mailbox!);
            }
            else
            {
                errors.Add(new FieldError($"replyTo[{i}]", problem!));
            }
        }

        message.ReplyTo.AddRange(mailboxes);
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

            if (attachment.Content is null)
            {
                errors.Add(new FieldError($"{field}.content", "is required (base64)"));
            }
            else if (!attachment.Content.IsValid)
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

            var part = contentId is null
                ? (MimePart)body.Attachments.Add(attachment.Filename!, [], contentType!)
                : (MimePart)body.LinkedResources.Add(attachment.Filename!, [], contentType!);
            if (contentId is not null)
            {
                part.ContentId = contentId;
            }

            UseContent(part, attachment.Content!);
        }
    }

    // BodyBuilder made the part (its headers exactly as before) around no content; the decoded bytes go in by reference
    // instead of being copied, and the transfer encoding is chosen as BodyBuilder chooses it for a byte array: base64 for
    // anything but text, the best 7-bit encoding of the content for text.
    private static void UseContent(MimePart part, AttachmentContent content)
    {
        var stream = content.Stream;
        part.Content = new MimeContent(stream);
        if (part is not TextPart)
        {
            part.ContentTransferEncoding = ContentEncoding.Base64;
            return;
        }

        var filter = new BestEncodingFilter();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                filter.Filter(chunk, 0, read, out _, out _);
            }

            filter.Flush(chunk, 0, 0, out _, out _);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        stream.Position = 0;
        part.ContentTransferEncoding = filter.GetBestEncoding(EncodingConstraint.SevenBit);
    }

    // Any of CRLF, LF or a lone CR ends a line; MimeKit then writes every line end as CRLF.
    private static string? NormalizeLineEnds(string? text) =>
        text?.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

}
