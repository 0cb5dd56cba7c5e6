using System.Text.Json.Serialization;

namespace SmtpFunctions.Core.Status;

/// <summary>A recipient as <c>GET /api/messages/{id}</c> shows it.</summary>
public sealed record RecipientStatusView
{
    /// <summary>Envelope address.</summary>
    [JsonPropertyName("address")]
    public required string Address { get; init; }

    /// <summary>One of <see cref="RecipientStatus"/>.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>Delivery attempts so far.</summary>
    [JsonPropertyName("attempts")]
    public int Attempts { get; init; }

    /// <summary>Last reply or error text.</summary>
    [JsonPropertyName("lastResponse")]
    public string? LastResponse { get; init; }

    /// <summary>Last SMTP reply code.</summary>
    [JsonPropertyName("lastReplyCode")]
    public int? LastReplyCode { get; init; }

    /// <summary>Last enhanced status code.</summary>
    [JsonPropertyName("lastEnhancedCode")]
    public string? LastEnhancedCode { get; init; }

    /// <summary>MX host used by the last attempt.</summary>
    [JsonPropertyName("mxHost")]
    public string? MxHost { get; init; }

    /// <summary>Whether the last session used TLS.</summary>
    [JsonPropertyName("tls")]
    public bool? Tls { get; init; }

    /// <summary>TLS details of the last session.</summary>
    [JsonPropertyName("tlsDetails")]
    public string? TlsDetails { get; init; }

    /// <summary>When the next attempt is due, while deferred.</summary>
    [JsonPropertyName("nextAttemptAt")]
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>When it was delivered.</summary>
    [JsonPropertyName("deliveredAt")]
    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>Last change.</summary>
    [JsonPropertyName("updatedAt")]
    public DateTimeOffset UpdatedAt { get; init; }
}
