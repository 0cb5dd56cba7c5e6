using System.Text.Json.Serialization;
using SmtpFunctions.Core.Tenants;

namespace SmtpFunctions.Api.Keys;

/// <summary>A key as the API shows it: everything but its secret (which only the creation answer carries, once).</summary>
public sealed record ApiKeyView
{
    /// <summary>The key id (the part of the token after <c>sf_</c>).</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>The token, only in the answer that created the key.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonPropertyName("key")]
    public string? Key { get; init; }

    /// <summary>The tenant.</summary>
    [JsonPropertyName("tenantId")]
    public required string TenantId { get; init; }

    /// <summary>The name.</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>Scope names.</summary>
    [JsonPropertyName("scopes")]
    public required IReadOnlyList<string> Scopes { get; init; }

    /// <summary>Sender domains it is limited to, or null.</summary>
    [JsonPropertyName("allowedSenderDomains")]
    public IReadOnlyCollection<string>? AllowedSenderDomains { get; init; }

    /// <summary>Messages per minute, or null.</summary>
    [JsonPropertyName("rateLimitPerMinute")]
    public int? RateLimitPerMinute { get; init; }

    /// <summary>When it was made.</summary>
    [JsonPropertyName("createdAt")]
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it expires, or null.</summary>
    [JsonPropertyName("expiresAt")]
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When it was revoked, or null.</summary>
    [JsonPropertyName("revokedAt")]
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>When it was last used (to the minute), or null.</summary>
    [JsonPropertyName("lastUsedAt")]
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>The view of a row, with the token when it was just issued.</summary>
    public static ApiKeyView From(ApiKeyEntity key, ApiKeyToken? token = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new ApiKeyView
        {
            Id = key.PartitionKey,
            Key = token?.ToString(),
            TenantId = key.TenantId,
            Name = key.Name,
            Scopes = ApiScopeNames.Of(ApiScopeNames.Parse(key.Scopes)),
            AllowedSenderDomains = key.SenderDomains(),
            RateLimitPerMinute = key.RateLimitPerMinute,
            CreatedAt = key.CreatedAt,
            ExpiresAt = key.ExpiresAt,
            RevokedAt = key.RevokedAt,
            LastUsedAt = key.LastUsedAt,
        };
    }
}
