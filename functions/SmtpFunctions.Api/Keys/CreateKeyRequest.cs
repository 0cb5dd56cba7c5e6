using System.Text.Json.Serialization;

namespace SmtpFunctions.Api.Keys;

/// <summary>The body of <c>POST /api/keys</c>.</summary>
public sealed record CreateKeyRequest
{
    /// <summary>A name for people.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>Scope names: send, read, suppressions, admin.</summary>
    [JsonPropertyName("scopes")]
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>Sender domains the key is limited to; absent: any of the tenant's.</summary>
    [JsonPropertyName("allowedSenderDomains")]
    public IReadOnlyList<string>? AllowedSenderDomains { get; init; }

    /// <summary>Messages per minute; absent: unlimited.</summary>
    [JsonPropertyName("rateLimitPerMinute")]
    public int? RateLimitPerMinute { get; init; }

    /// <summary>When the key stops working; absent: never.</summary>
    [JsonPropertyName("expiresAt")]
    public DateTimeOffset? ExpiresAt { get; init; }
}
