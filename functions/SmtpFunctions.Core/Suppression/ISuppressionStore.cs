namespace SmtpFunctions.Core.Suppression;

/// <summary>Storage of the suppression list (the <c>suppressions</c> table; a fake in unit tests).</summary>
public interface ISuppressionStore
{
    /// <summary>Adds an entry; false when the address is already suppressed (the first cause is kept).</summary>
    Task<bool> AddAsync(SuppressionEntity entry, CancellationToken cancellationToken);

    /// <summary>The entry for an address, or null (one point read).</summary>
    Task<SuppressionEntity?> GetAsync(SuppressionKey key, CancellationToken cancellationToken);

    /// <summary>Deletes the entry; false when there was none.</summary>
    Task<bool> DeleteAsync(SuppressionKey key, CancellationToken cancellationToken);

    /// <summary>One page of one list's entries in key order (domain, then address), optionally of one domain only.</summary>
    Task<SuppressionPage> ListAsync(string list, string? domain, int pageSize, string? continuation, CancellationToken cancellationToken);
}
