namespace SmtpFunctions.Core.Submission;

/// <summary>Why a submission was not accepted; each door maps it to its own reply (HTTP status, SMTP code).</summary>
public enum SubmissionErrorKind
{
    /// <summary>The content breaks a rule (HTTP 400, SMTP 554 5.6.0).</summary>
    Invalid,

    /// <summary>The message is larger than allowed (HTTP 413, SMTP 552 5.3.4).</summary>
    TooLarge,

    /// <summary>The same idempotency key came with another body, or is still being processed (HTTP 409).</summary>
    IdempotencyConflict,

    /// <summary>The sender may not use this From/MAIL FROM domain (SMTP 550 5.7.1, HTTP 403).</summary>
    SenderNotAllowed,

    /// <summary>
    /// The From or envelope sender domain is not a verified sending domain of the submitter's tenant (HTTP 403,
    /// SMTP 550 5.7.1).
    /// </summary>
    DomainNotVerified,

    /// <summary>Storage could not be reached; nothing was acknowledged (HTTP 503, SMTP 451 4.3.0).</summary>
    StorageUnavailable,
}
