using System.Text.Json.Serialization;

namespace SmtpFunctions.Core.Suppression;

/// <summary>The permanent failure that put an address on the suppression list, or the reason of whoever added it by hand.</summary>
public sealed record SuppressionReasonView
{
    /// <summary>SMTP reply code, when a peer answered (null for NXDOMAIN or a null MX).</summary>
    [JsonPropertyName("replyCode")]
    public int? ReplyCode { get; init; }

    /// <summary>RFC 3463 enhanced status code, e.g. <c>5.1.1</c>; null for an entry added by hand.</summary>
    [JsonPropertyName("enhancedCode")]
    public string? EnhancedCode { get; init; }

    /// <summary>The reply text, or a description of the condition.</summary>
    [JsonPropertyName("text")]
    public required string Text { get; init; }
}
