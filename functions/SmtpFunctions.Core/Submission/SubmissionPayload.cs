using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>What was submitted: JSON, raw MIME octets, or a message built in-process.</summary>
public abstract record SubmissionPayload
{
    private protected SubmissionPayload()
    {
    }
}

/// <summary>A UTF-8 JSON body in the shape of <see cref="JsonMessageRequest"/>.</summary>
public sealed record JsonPayload(ReadOnlyMemory<byte> Utf8Json) : SubmissionPayload;

/// <summary>An RFC 5322 message as octets (HTTP <c>message/rfc822</c>, SMTP DATA).</summary>
public sealed record MimePayload(ReadOnlyMemory<byte> Octets) : SubmissionPayload;

/// <summary>A message built in-process, such as a DSN.</summary>
public sealed record MessagePayload(MimeMessage Message) : SubmissionPayload;
