namespace SmtpFunctions.Api.Keys;

/// <summary>The body of <c>POST /api/keys</c>.</summary>
public sealed record CreateKeyRequest
{
    /// <summary>A name for people.</summary>
    public string? Name { get; init; }

    /// <summary>Scope names: send, read, suppressions, admin.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>Sender domains the key is limited to; absent: any of the tenant's.</summary>
    public IReadOnlyList<string>? AllowedSenderDomains { get; init; }

    /// <summary>Messages per minute; absent: unlimited.</summary>
    public int? RateLimitPerMinute { get; init; }

    /// <summary>When the key stops working; absent: never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
