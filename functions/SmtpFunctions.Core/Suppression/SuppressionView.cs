using System.Text.Json.Serialization;

namespace SmtpFunctions.Core.Suppression;

/// <summary>A suppression list entry as <c>GET /api/suppressions</c> shows it.</summary>
public sealed record SuppressionView
{
    /// <summary>The suppressed address (domain as A-label).</summary>
    [JsonPropertyName("address")]
    public required string Address { get; init; }

    /// <summary>Its domain (A-label, lower-case).</summary>
    [JsonPropertyName("domain")]
    public required string Domain { get; init; }

    /// <summary>Why: the failure that suppressed it.</summary>
    [JsonPropertyName("reason")]
    public required SuppressionReasonView Reason { get; init; }

    /// <summary>The message whose delivery failed.</summary>
    [JsonPropertyName("messageId")]
    public required string MessageId { get; init; }

    /// <summary>The peer that answered, when one did.</summary>
    [JsonPropertyName("mxHost")]
    public string? MxHost { get; init; }

    /// <summary>When it was suppressed.</summary>
    [JsonPropertyName("suppressedAt")]
    public DateTimeOffset SuppressedAt { get; init; }

    /// <summary>The view of a table entry.</summary>
    public static SuppressionView From(SuppressionEntity entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new SuppressionView
        {
            Address = entry.Address,
            Domain = entry.Domain,
            Reason = new SuppressionReasonView { ReplyCode = entry.ReplyCode, EnhancedCode = entry.EnhancedCode, Text = entry.Text },
            MessageId = entry.MessageId,
            MxHost = entry.MxHost,
            SuppressedAt = entry.SuppressedAt,
        };
    }
}
