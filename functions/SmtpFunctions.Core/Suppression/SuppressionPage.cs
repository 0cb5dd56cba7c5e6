namespace SmtpFunctions.Core.Suppression;

/// <summary>One page of the suppression list and the token for the next (null on the last page).</summary>
/// <param name="Entries">The entries, in key order.</param>
/// <param name="ContinuationToken">Opaque base64url token; pass it back to read on.</param>
public sealed record SuppressionPage(IReadOnlyList<SuppressionEntity> Entries, string? ContinuationToken);
