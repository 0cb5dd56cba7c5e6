using Microsoft.Extensions.Options;
using MimeKit;
using SmtpFunctions.Core.Buffers;
using SmtpFunctions.Core.Dkim;
using SmtpFunctions.Core.Domains;
using SmtpFunctions.Core.Options;

namespace SmtpFunctions.Core.Submission;

/// <summary>
/// Everything a submission must pass before anything is stored: parse, check every rule, build or clean the MIME, prepend
/// Received, complete Message-ID and Date, DKIM-sign, serialise, enforce the line and size limits. Pure: no storage, so
/// every rule is unit-testable.
/// </summary>
/// <remarks>
/// Memory: a message is held about twice at most. A JSON body is read in place and released once parsed (attachments are
/// decoded straight into pooled buffers); raw MIME is parsed in place (MimeKit's persistent mode keeps offsets, not
/// copies) and released once the stored octets are written, into pooled blocks.
/// </remarks>
public sealed class MessagePreparer(IOptions<SubmissionOptions> options, IOptions<DeliveryOptions> delivery, DkimMessageSigner dkim)
{
    private readonly SubmissionOptions _options = options.Value;

    // The name in our Received fields' "by" clause: the one we greet peers with (Postfix uses myhostname for both).
    private readonly string _hostName = delivery.Value.EffectiveLocalDomain;

    /// <summary>Prepares <paramref name="request"/> as message <paramref name="id"/>, or returns why it is refused.</summary>
    public bool TryPrepare(SubmissionRequest request, string id, DateTimeOffset now, out PreparedSubmission? prepared, out SubmissionError? error) =>
        TryPrepare(request, id, now, null, out prepared, out error);

    /// <summary>
    /// As the other overload, holding From and the envelope sender to <paramref name="tenantDomains"/> (the verified
    /// domains of <see cref="SubmissionRequest.TenantId"/>) and signing with their keys; null skips that rule.
    /// </summary>
    public bool TryPrepare(
        SubmissionRequest request, string id, DateTimeOffset now, TenantDomains? tenantDomains, out PreparedSubmission? prepared, out SubmissionError? error)
    {
        ArgumentNullException.ThrowIfNull(request);
        prepared = null;
        JsonMessageRequest? json = null;
        try
        {
            if (request.IdempotencyKey is { } key && !IsValidIdempotencyKey(key))
            {
                error = SubmissionError.Invalid("Idempotency-Key", "must be 1 to 255 printable ASCII characters");
                return false;
            }

            if (!TryValidate(request, out var message, out json, out error))
            {
                return false;
            }

            if (CheckSender(request, message!) is { } senderError)
            {
                error = senderError;
                return false;
            }

            if (tenantDomains is not null && request.Source is not SubmissionSource.Bounce && CheckVerifiedDomain(message!, tenantDomains) is { } domainError)
            {
                error = domainError;
                return false;
            }

            prepared = Finish(request, id, now, message!, builtHere: request.Payload is not MimePayload, json?.Metadata, json?.Tags, tenantDomains, out error);
            return prepared is not null;
        }
        finally
        {
            // The request's octets and decoded attachments are not needed once the stored octets exist (or never will).
            json?.ReleaseAttachments();
            request.Payload.Owner?.Dispose();
        }
    }

    private PreparedSubmission? Finish(
        SubmissionRequest request, string id, DateTimeOffset now, PreparedMessage message, bool builtHere, IReadOnlyDictionary<string, string>? metadata, IReadOnlyList<string>? tags,
        TenantDomains? tenantDomains, out SubmissionError? error)
    {
        var mime = message.Message;
        if (request.Source is not SubmissionSource.Bounce)
        {
            ReceivedHeader.Prepend(mime, request.Source, request.Client, _options.ReceivedHeaderShowsClient, _hostName, id, now);
        }

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
        var signedBy = dkim.Sign(mime, MessageSerializer.FormatFor(requiresUtf8), tenantDomains);
        var buffer = MessageSerializer.WriteToBuffer(mime, requiresUtf8);
        var octets = buffer.GetReadOnlySequence();
        error = null;
        if (octets.Length > _options.MaxMessageBytes)
        {
            error = SubmissionError.TooLarge(octets.Length, _options.MaxMessageBytes);
        }
        else if (MessageSerializer.LongestLine(octets) is var longest && longest > MessageHygiene.MaxLineLength)
        {
            // Every rule above should have prevented this; the check on what is actually stored makes sure.
            error = SubmissionError.Invalid("message", $"a line of {longest} octets would remain after re-encoding; lines may be at most {MessageHygiene.MaxLineLength} octets (RFC 5322 §2.1.1)");
        }

        if (error is not null)
        {
            buffer.Dispose();
            return null;
        }

        return new PreparedSubmission(mime, message.Envelope, octets, requiresUtf8, MessageSerializer.HasEightBitBody(octets), signedBy) { Owner = buffer, Metadata = metadata, Tags = tags };
    }

    private bool TryValidate(SubmissionRequest request, out PreparedMessage? prepared, out JsonMessageRequest? json, out SubmissionError? error)
    {
        prepared = null;
        json = null;
        List<FieldError> errors;
        switch (request.Payload)
        {
            case JsonPayload payload:
                if (!JsonMessageReader.TryRead(payload.Utf8Json, out json, out error))
                {
                    return false;
                }

                // Everything needed is now in the request object (attachments decoded): the body can go.
                payload.Owner?.Dispose();
                prepared = JsonMessageBuilder.Build(json!, _options.MaxRecipients, _options.MaxHeaderFields, out errors);
                break;
            case MimePayload raw:
                if (HeaderBlockLimits.Check(raw.Octets, _options.MaxHeaderBytes, _options.MaxHeaderFields) is { } tooBig)
                {
                    error = SubmissionError.Invalid(tooBig.Field, tooBig.Detail);
                    return false;
                }

                if (!TryParseMime(raw, out var parsed, out error))
                {
                    return false;
                }

                prepared = MimeMessageRules.Prepare(parsed!, request.Envelope, _options.MaxRecipients, out errors);
                if (prepared is not null)
                {
                    MessageHygiene.Apply(prepared.Message, _options.KeepSubmittedAuthenticationHeaders, errors);
                    prepared = errors.Count == 0 ? prepared : null;
                }

                break;
            case MessagePayload built:
                prepared = MimeMessageRules.Prepare(built.Message, request.Envelope, _options.MaxRecipients, out errors);
                break;
            default:
                throw new ArgumentException($"Unknown payload {request.Payload.GetType().Name}.", nameof(request));
        }

        error = prepared is null ? SubmissionError.Invalid(errors) : null;
        return prepared is not null;
    }

    // Parsed in place: MimeKit's persistent mode keeps each part as offsets into the payload's octets instead of copying
    // it, so the payload must stay alive until the stored octets are written (TryPrepare releases it after that).
    private static bool TryParseMime(MimePayload raw, out MimeMessage? message, out SubmissionError? error)
    {
        message = null;
        error = null;
        if (raw.Octets.IsEmpty)
        {
            error = SubmissionError.Invalid("message", "the message is empty");
            return false;
        }

        try
        {
            message = MimeMessage.Load(new SequenceStream(raw.Octets), persistent: true);
        }
        catch (FormatException ex)
        {
            error = SubmissionError.Invalid("message", $"not an RFC 5322 message: {ex.Message}");
            return false;
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

    // The tenant rule: every From domain and the envelope sender's must be verified domains of the tenant (its API key or
    // SMTP account), so no tenant sends as another's domain or one it does not control.
    private static SubmissionError? CheckVerifiedDomain(PreparedMessage prepared, TenantDomains tenant)
    {
        if (tenant.AllowsAnyDomain)
        {
            return null;
        }

        foreach (var author in prepared.Message.From.Mailboxes)
        {
            var domain = AddressRules.ToEnvelope(author).Domain;
            if (!tenant.Allows(domain))
            {
                return SubmissionError.DomainNotVerified("from", domain);
            }
        }

        if (prepared.Envelope.Sender is { } sender && !tenant.Allows(sender.Domain))
        {
            return SubmissionError.DomainNotVerified("sender", sender.Domain);
        }

        return null;
    }

    private static bool HeadersNeedUtf8(MimeMessage message) =>
        message.From.Mailboxes.Concat(message.To.Mailboxes).Concat(message.Cc.Mailboxes).Concat(message.ReplyTo.Mailboxes)
            .Concat(message.Sender is null ? [] : [message.Sender])
            .Any(m => m.LocalPart.Any(c => c > 127));

    private static bool IsValidIdempotencyKey(string key) => key.Length is > 0 and <= 255 && key.All(c => c is >= ' ' and <= '~');
}
