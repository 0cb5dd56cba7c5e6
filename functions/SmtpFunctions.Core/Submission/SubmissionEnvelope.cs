namespace SmtpFunctions.Core.Submission;

/// <summary>
/// An envelope given by the door rather than taken from the headers: SMTP's MAIL FROM / RCPT TO, or a DSN's null sender.
/// </summary>
/// <param name="Sender">Reverse-path; null for <c>&lt;&gt;</c>.</param>
/// <param name="Recipients">Forward-paths.</param>
public sealed record SubmissionEnvelope(string? Sender, IReadOnlyList<string> Recipients);
