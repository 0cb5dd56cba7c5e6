using System.Text.Json.Serialization;

namespace SmtpFunctions.Core.Submission;

/// <summary>One attachment of a JSON submission.</summary>
public sealed record JsonAttachment
{
    /// <summary>File name shown to the recipient.</summary>
    [JsonPropertyName("filename")]
    public string? Filename { get; init; }

    /// <summary>MIME type; <c>application/octet-stream</c> when absent.</summary>
    [JsonPropertyName("contentType")]
    public string? ContentType { get; init; }

    /// <summary>The bytes, base64-encoded in the JSON; decoded while the JSON is read.</summary>
    [JsonPropertyName("content")]
    public AttachmentContent? Content { get; init; }

    /// <summary>Makes the part inline, referenced from the HTML as <c>cid:…</c>.</summary>
    [JsonPropertyName("contentId")]
    public string? ContentId { get; init; }
}
