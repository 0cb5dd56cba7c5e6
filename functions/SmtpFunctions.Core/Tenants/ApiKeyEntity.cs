using Azure;
using Azure.Data.Tables;

namespace SmtpFunctions.Core.Tenants;

/// <summary>One API key in the <c>apikeys</c> table: PartitionKey = key id, RowKey = <see cref="Row"/>. Never its secret.</summary>
public sealed class ApiKeyEntity : ITableEntity
{
    /// <summary>The RowKey of every key row (the partition is the key).</summary>
    public const string Row = "key";

    /// <inheritdoc />
    public string PartitionKey { get; set; } = "";

    /// <inheritdoc />
    public string RowKey { get; set; } = Row;

    /// <inheritdoc />
    public DateTimeOffset? Timestamp { get; set; }

    /// <inheritdoc />
    public ETag ETag { get; set; }

    /// <summary>The tenant the key belongs to.</summary>
    public string TenantId { get; set; } = "";

    /// <summary>A name for people ("billing service").</summary>
    public string Name { get; set; } = "";

    /// <summary>The scopes, as <see cref="ApiScopeNames.Format"/> writes them ("send,read").</summary>
    public string Scopes { get; set; } = "";

    /// <summary>Comma-separated sender domains the key is limited to; empty: any of the tenant's.</summary>
    public string AllowedSenderDomains { get; set; } = "";

    /// <summary>Messages per minute the key may submit; null: unlimited.</summary>
    public int? RateLimitPerMinute { get; set; }

    /// <summary>SHA-256 (hex) of the secret.</summary>
    public string SecretHash { get; set; } = "";

    /// <summary>When the key was made.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it stops working; null: never.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>When it was revoked; null: it was not.</summary>
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>When it was last used, to within <see cref="Options.ApiKeyOptions.LastUsedInterval"/>.</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>The allowed sender domains as a list; null when unrestricted.</summary>
    public IReadOnlyCollection<string>? SenderDomains() =>
        AllowedSenderDomains.Length == 0 ? null : AllowedSenderDomains.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
