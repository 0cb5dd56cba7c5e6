namespace SmtpFunctions.Core.Tenants;

/// <summary>What a new key is to be: its tenant, name, scopes and limits.</summary>
public sealed record NewApiKey
{
    /// <summary>The tenant the key belongs to.</summary>
    public required string TenantId { get; init; }

    /// <summary>A name for people.</summary>
    public required string Name { get; init; }

    /// <summary>What it may do (at least one scope).</summary>
    public required ApiScopes Scopes { get; init; }

    /// <summary>Sender domains it is limited to; null or empty: any of the tenant's.</summary>
    public IReadOnlyCollection<string>? AllowedSenderDomains { get; init; }

    /// <summary>Messages per minute; null: unlimited.</summary>
    public int? RateLimitPerMinute { get; init; }

    /// <summary>When it stops working; null: never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
