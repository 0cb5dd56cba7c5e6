using System.Text.Json.Serialization;
using SmtpFunctions.Core.Status;

namespace SmtpFunctions.Core.Submission;

/// <summary>The answer to an accepted submission (the 202 body; SMTP's "queued as").</summary>
public sealed record SubmissionReceipt
{
    /// <summary>Message id, the key of <c>GET /api/messages/{id}</c>.</summary>
    [JsonPropertyName("id")]
    public required string MessageId { get; init; }

    /// <summary>Always <c>queued</c> at acceptance.</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = MessageStatus.Queued;

    /// <summary>Each distinct recipient and its initial status.</summary>
    [JsonPropertyName("recipients")]
    public required IReadOnlyList<AcceptedRecipient> Recipients { get; init; }

    /// <summary>True when this is the stored answer to an earlier request with the same idempotency key.</summary>
    [JsonIgnore]
    public bool Replayed { get; init; }
}
