using Azure;
using Azure.Data.Tables;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Core.Domains;

/// <summary>
/// Which tenant a verified domain belongs to: PartitionKey = <see cref="TenantIds.System"/>, RowKey = domain. Inserted
/// (never overwritten) when a tenant's domain becomes verified, so the first tenant to verify a domain holds it and a
/// second tenant's verification of the same name fails until the first deletes it.
/// </summary>
public sealed class DomainClaimEntity : ITableEntity
{
    /// <summary>Always <see cref="TenantIds.System"/>: no tenant's partition.</summary>
    public string PartitionKey { get; set; } = TenantIds.System;

    /// <summary>The domain.</summary>
    public string RowKey { get; set; } = "";

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>The tenant holding the domain.</summary>
    public string TenantId { get; set; } = "";
}
