using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using MimeKit;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Submission;

/// <summary>
/// Everything a submission must pass before anything is stored: parse, check every rule, build or normalise the MIME,
/// complete Message-ID and Date, DKIM-sign, serialise, enforce the size limit. Pure: no storage, so every rule is unit-testable.
/// </summary>
public sealed class MessagePreparer(IOptions<SubmissionOptions> options, DkimMessageSigner dkim)
{
    // Room for Message-ID, Date and a DKIM-Signature (an RSA-2048 and an Ed25519 one fold to well under 1 KB).
    private const int MimeHeadroom = 1024;

    private readonly SubmissionOptions _options = options.Value;

    /// <summary>Prepares <paramref name="request"/> as message <paramref name="id"/>, or returns why it is refused.</summary>
    public bool TryPrepare(SubmissionRequest request, string id, DateTimeOffset now, out PreparedSubmission? prepared, out SubmissionError? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        prepared = null;
        if (request.IdempotencyKey is { } key && !IsValidIdempotencyKey(key))
        {
            error = SubmissionError.Invalid("Idempotency-Key", "must be 1 to 255 printable ASCII characters");
            return false;
        }

        if (!TryValidate(request, out var message, out var builtHere, out error))
        {
            return false;
        }

        if (CheckSender(request, message!) is { } senderError)
        {
            error = senderError;
            return false;
        }

        var mime = message!.Message;
        var domain = _options.MessageIdDomain is { Length: > 0 } configured
            ? configured
            : mime.From.Mailboxes.FirstOrDefault() is { } author ? AddressRules.ToEnvelope(author).Domain : "localhost";
        MessageSerializer.CompleteHeaders(mime, id, domain, now);
        if (builtHere)
        {
            MessageSerializer.PrepareBuiltMessage(mime);
        }

        var requiresUtf8 = message.Envelope.RequiresSmtpUtf8 || HeadersNeedUtf8(mime);

        // Signed last, with the options Write uses, so the signature covers exactly the octets stored and sent.
        var signedBy = dkim.Sign(mime, MessageSerializer.FormatFor(requiresUtf8));
        // A message that arrived as MIME is stored about as large as it came (plus the headers completed or signed here).
        var sizeHint = request.Payload is MimePayload raw ? raw.Octets.Length + MimeHeadroom : 0;
        var octets = MessageSerializer.WriteToMemory(mime, requiresUtf8, sizeHint);
        if (octets.Length > _options.MaxMessageBytes)
        {
            error = SubmissionError.TooLarge(octets.Length, _options.MaxMessageBytes);
            return false;
        }

        prepared = new PreparedSubmission(mime, message.Envelope, octets, requiresUtf8, MessageSerializer.HasEightBitBody(octets.Span), signedBy);
        return true;
    }

    private bool TryValidate(SubmissionRequest request, out PreparedMessage? prepared, out bool builtHere, out SubmissionError? error)
    {
        prepared = null;
        builtHere = false;
        List<FieldError> errors;
        switch (request.Payload)
        {
            case JsonPayload json:
                if (!JsonMessageReader.TryRead(json.Utf8Json.Span, out var body, out error))
                {
                    return false;
                }

                prepared = JsonMessageBuilder.Build(body!, _options.MaxRecipients, out errors);
                builtHere = true;
                break;
            case MimePayload raw:
                if (!TryParseMime(raw.Octets, out var parsed, out error))
                {
                    return false;
                }

                prepared = MimeMessageRules.Prepare(parsed!, request.Envelope, _options.MaxRecipients, out errors);
                break;
            case MessagePayload built:
                prepared = MimeMessageRules.Prepare(built.Message, request.Envelope, _options.MaxRecipients, out errors);
                builtHere = true;
                break;
            default:
                throw new ArgumentException($"Unknown payload {request.Payload.GetType().Name}.", nameof(request));
        }

        error = prepared is null ? SubmissionError.Invalid(errors) : null;
        return prepared is not null;
    }

    private static bool TryParseMime(ReadOnlyMemory<byte> octets, out MimeMessage? message, out SubmissionError? error)
    {
        message = null;
        error = null;
        if (octets.IsEmpty)
        {
            error = SubmissionError.Invalid("message", "the message is empty");
            return false;
        }

        var stream = MemoryMarshal.TryGetArray(octets, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(octets.ToArray(), writable: false);
        using (stream)
        {
            try
            {
                message = MimeMessage.Load(stream);
            }
            catch (FormatException ex)
            {
                error = SubmissionError.Invalid("message", $"not an RFC 5322 message: {ex.Message}");
                return false;
            }
        }

        return true;
    }

    private static SubmissionError? CheckSender(SubmissionRequest request, PreparedMessage prepared)
    {
        if (request.AllowedSenderDomains is not { } allowed)
        {
            return null;
        }

        var domains = prepared.Message.From.Mailboxes.Select(m => AddressRules.ToEnvelope(m).Domain).ToList();
        if (prepared.Envelope.Sender is { } sender)
        {
            domains.Add(sender.Domain);
        }

        var refused = domains.FirstOrDefault(d => !allowed.Contains(d, StringComparer.OrdinalIgnoreCase));
        return refused is null
            ? null
            : new SubmissionError(
                SubmissionErrorKind.SenderNotAllowed,
                "Sender not allowed",
                $"This account may not send as '{refused}'.",
                [new FieldError("from", $"domain '{refused}' is not one this account may use")]);
    }

    private static bool HeadersNeedUtf8(MimeMessage message) =>
        message.From.Mailboxes.Concat(message.To.Mailboxes).Concat(message.Cc.Mailboxes).Concat(message.ReplyTo.Mailboxes)
            .Concat(message.Sender is null ? [] : [message.Sender])
            .Any(m => m.LocalPart.Any(c => c > 127));

    private static bool IsValidIdempotencyKey(string key) => key.Length is > 0 and <= 255 && key.All(c => c is >= ' ' and <= '~');
}
