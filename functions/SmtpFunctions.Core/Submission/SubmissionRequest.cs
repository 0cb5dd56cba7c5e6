using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core.Submission;

/// <summary>One submission, whichever door it came through.</summary>
public sealed record SubmissionRequest
{
    /// <summary>
    /// The tenant the submission belongs to: its verified domains bound From and the envelope sender, and its status,
    /// idempotency keys and suppressions are the ones used.
    /// </summary>
    public string TenantId { get; init; } = TenantIds.Default;

    /// <summary>
    /// The suppression list the recipients are checked against, when it is not <see cref="TenantId"/>'s: a DSN, which
    /// the system submits in its own namespace, is checked against the list of the tenant whose sender it reports to.
    /// </summary>
    public string? SuppressionList { get; init; }

    /// <summary>The door.</summary>
    public required SubmissionSource Source { get; init; }

    /// <summary>The message.</summary>
    public required SubmissionPayload Payload { get; init; }

    /// <summary>Explicit envelope (SMTP, DSN). Null: taken from From/To/Cc/Bcc.</summary>
    public SubmissionEnvelope? Envelope { get; init; }

    /// <summary>Caller's <c>Idempotency-Key</c>; the same key with the same body returns the first answer.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// Domains the submitter may use in the envelope sender and in From (an SMTP user's allowance). Null: any.
    /// </summary>
    public IReadOnlyCollection<string>? AllowedSenderDomains { get; init; }

    /// <summary>
    /// How the client reached the door, for the <c>Received:</c> header. Null: nothing is known beyond the door itself
    /// (the header then names only us, the protocol the source implies and the time).
    /// </summary>
    public SubmissionClient? Client { get; init; }
}
