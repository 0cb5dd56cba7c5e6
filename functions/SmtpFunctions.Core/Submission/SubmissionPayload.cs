using System.Buffers;
using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>What was submitted: JSON, raw MIME octets, or a message built in-process.</summary>
public abstract record SubmissionPayload
{
    private protected SubmissionPayload()
    {
    }

    /// <summary>
    /// What holds the octets (a pooled request buffer), disposed by the submission as soon as it no longer needs them:
    /// after parsing for JSON, after writing the stored MIME for raw MIME. So the door's copy does not live beside the
    /// stored one. The door must not use the octets once it has handed them over; disposing twice is harmless.
    /// </summary>
    public IDisposable? Owner { get; init; }
}

/// <summary>A UTF-8 JSON body in the shape of <see cref="JsonMessageRequest"/>.</summary>
public sealed record JsonPayload : SubmissionPayload
{
    /// <summary>A body in one piece.</summary>
    public JsonPayload(ReadOnlyMemory<byte> utf8Json) => Utf8Json = new ReadOnlySequence<byte>(utf8Json);

    /// <summary>A body in pooled blocks, read in place.</summary>
    public JsonPayload(ReadOnlySequence<byte> utf8Json) => Utf8Json = utf8Json;

    /// <summary>The JSON.</summary>
    public ReadOnlySequence<byte> Utf8Json { get; }
}

/// <summary>An RFC 5322 message as octets (HTTP <c>message/rfc822</c>, SMTP DATA).</summary>
public sealed record MimePayload : SubmissionPayload
{
    /// <summary>A message in one piece.</summary>
    public MimePayload(ReadOnlyMemory<byte> octets) => Octets = new ReadOnlySequence<byte>(octets);

    /// <summary>A message in pooled blocks (or SMTP DATA as the server buffered it), parsed in place.</summary>
    public MimePayload(ReadOnlySequence<byte> octets) => Octets = octets;

    /// <summary>The message.</summary>
    public ReadOnlySequence<byte> Octets { get; }
}

/// <summary>A message built in-process, such as a DSN.</summary>
public sealed record MessagePayload(MimeMessage Message) : SubmissionPayload;
