namespace SmtpFunctions.Core.Submission;

/// <summary>Either a receipt (the message is durable) or the error to answer with (nothing was acknowledged).</summary>
public sealed record SubmissionOutcome
{
    private SubmissionOutcome(SubmissionReceipt? receipt, SubmissionError? error)
    {
        Receipt = receipt;
        Error = error;
    }

    /// <summary>Set when accepted.</summary>
    public SubmissionReceipt? Receipt { get; }

    /// <summary>Set when refused.</summary>
    public SubmissionError? Error { get; }

    /// <summary>True when the message is durable.</summary>
    public bool IsAccepted => Receipt is not null;

    /// <summary>An accepted submission.</summary>
    public static SubmissionOutcome Accepted(SubmissionReceipt receipt) => new(receipt, null);

    /// <summary>A refused submission.</summary>
    public static SubmissionOutcome Rejected(SubmissionError error) => new(null, error);
}
