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

    /// <summary>Which list: <c>tenant</c> (the caller's own, which it may lift) or <c>global</c> (the operator's).</summary>
    [JsonPropertyName("list")]
    public required string List { get; init; }

    /// <summary>Who added it: <c>delivery</c> (a permanent failure), <c>api</c> (a tenant's key) or <c>operator</c>.</summary>
    [JsonPropertyName("addedBy")]
    public required string AddedBy { get; init; }

    /// <summary>Why: the failure that suppressed it, or the reason given by whoever added it.</summary>
    [JsonPropertyName("reason")]
    public required SuppressionReasonView Reason { get; init; }

    /// <summary>The message whose delivery failed; null for an entry added by hand.</summary>
    [JsonPropertyName("messageId")]
    public string? MessageId { get; init; }

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
            List = entry.List == SuppressionLists.Global ? "global" : "tenant",
            AddedBy = entry.AddedBy.Length == 0 ? "delivery" : entry.AddedBy,
            Reason = new SuppressionReasonView
            {
                ReplyCode = entry.ReplyCode,
                EnhancedCode = entry.EnhancedCode.Length == 0 ? null : entry.EnhancedCode,
                Text = entry.Text,
            },
            MessageId = entry.MessageId.Length == 0 ? null : entry.MessageId,
            MxHost = entry.MxHost,
            SuppressedAt = entry.SuppressedAt,
        };
    }
}
