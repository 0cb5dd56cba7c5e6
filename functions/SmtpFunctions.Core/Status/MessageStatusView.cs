using System.Text.Json.Serialization;

namespace SmtpFunctions.Core.Status;

/// <summary>The body of <c>GET /api/messages/{id}</c>.</summary>
public sealed record MessageStatusView
{
    /// <summary>Message id.</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>Derived status (<see cref="MessageStatus"/>).</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>When it was accepted.</summary>
    [JsonPropertyName("submittedAt")]
    public DateTimeOffset SubmittedAt { get; init; }

    /// <summary>The Message-ID header.</summary>
    [JsonPropertyName("messageId")]
    public string? MessageIdHeader { get; init; }

    /// <summary>Envelope sender; null for <c>&lt;&gt;</c>.</summary>
    [JsonPropertyName("sender")]
    public string? Sender { get; init; }

    /// <summary>Stored size in octets.</summary>
    [JsonPropertyName("size")]
    public long Size { get; init; }

    /// <summary>How the message was DKIM-signed ("unsigned" when no key matched its From domain).</summary>
    [JsonPropertyName("dkim")]
    public string? Dkim { get; init; }

    /// <summary>Per-recipient status.</summary>
    [JsonPropertyName("recipients")]
    public required IReadOnlyList<RecipientStatusView> Recipients { get; init; }
}
