namespace SmtpFunctions.Core.Bounces;

/// <summary>Everything a DSN about one job says.</summary>
/// <param name="MessageId">Our message id (status partition), for the human-readable part and the idempotency key.</param>
/// <param name="Sender">The original envelope sender: the DSN's only recipient.</param>
/// <param name="SubmittedAt">Arrival-Date of the original.</param>
/// <param name="OriginalHeaders">The original message's header block as stored (CRLF lines, without the blank line).</param>
/// <param name="Recipients">The recipients that failed.</param>
/// <param name="SuppressionList">
/// The original's suppression list (its tenant's): the DSN goes to that tenant's sender, so that list decides whether it
/// may, and a DSN that fails for good suppresses the sender there.
/// </param>
public sealed record BounceReport(
    string MessageId,
    string Sender,
    DateTimeOffset SubmittedAt,
    ReadOnlyMemory<byte> OriginalHeaders,
    IReadOnlyList<FailedRecipient> Recipients,
    string SuppressionList = Tenants.TenantIds.Default);
