namespace SmtpFunctions.Core.Submission;

/// <summary>A refused submission: what kind of refusal, a human sentence, and the fields at fault.</summary>
public sealed record SubmissionError(SubmissionErrorKind Kind, string Title, string Detail, IReadOnlyList<FieldError> Errors)
{
    /// <summary>The first field at fault, if any.</summary>
    public string? Field => Errors.Count > 0 ? Errors[0].Field : null;

    /// <summary>A content error naming one field.</summary>
    public static SubmissionError Invalid(string field, string detail) =>
        new(SubmissionErrorKind.Invalid, "The message is not valid", $"{field}: {detail}", [new FieldError(field, detail)]);

    /// <summary>A content error naming several fields.</summary>
    public static SubmissionError Invalid(IReadOnlyList<FieldError> errors) =>
        new(SubmissionErrorKind.Invalid, "The message is not valid",
            string.Join("; ", errors.Select(e => $"{e.Field}: {e.Detail}")), errors);

    /// <summary>The message exceeds the size limit.</summary>
    public static SubmissionError TooLarge(long size, long limit) =>
        new(SubmissionErrorKind.TooLarge, "The message is too large",
            $"The message is {size} octets after encoding; the limit is {limit}.", [new FieldError("message", $"larger than {limit} octets")]);

    /// <summary><paramref name="field"/>'s <paramref name="domain"/> is not a verified sending domain of the tenant.</summary>
    public static SubmissionError DomainNotVerified(string field, string domain) =>
        new(SubmissionErrorKind.DomainNotVerified, "Sender domain not verified",
            $"'{domain}' is not a verified sending domain of this tenant; register it (POST /api/domains), publish its records and verify it.",
            [new FieldError(field, $"domain '{domain}' is not a verified sending domain of this tenant")]);

    /// <summary>Storage is unreachable.</summary>
    public static SubmissionError StorageUnavailable() =>
        new(SubmissionErrorKind.StorageUnavailable, "Storage is unavailable",
            "The message could not be stored durably and was not accepted; retry later, with the same Idempotency-Key: if storage failed while committing, the message may have been stored after all, and the key makes the retry answer for it instead of sending it twice.", []);
}
