using System.Text.Json.Serialization;

namespace SmtpFunctions.Core.Submission;

/// <summary>The JSON body of <c>POST /api/messages</c>, as documented in <c>openapi.json</c>.</summary>
public sealed record JsonMessageRequest
{
    /// <summary>The author: one mailbox, <c>a@example.com</c> or <c>Name &lt;a@example.com&gt;</c>.</summary>
    [JsonPropertyName("from")]
    public string? From { get; init; }

    /// <summary>Primary recipients (a string or an array of strings).</summary>
    [JsonPropertyName("to")]
    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? To { get; init; }

    /// <summary>Carbon-copy recipients.</summary>
    [JsonPropertyName("cc")]
    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? Cc { get; init; }

    /// <summary>Blind recipients: on the envelope, never in the stored message.</summary>
    [JsonPropertyName("bcc")]
    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? Bcc { get; init; }

    /// <summary>Reply-To mailboxes.</summary>
    [JsonPropertyName("replyTo")]
    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? ReplyTo { get; init; }

    /// <summary>Subject line (no CR or LF).</summary>
    [JsonPropertyName("subject")]
    public string? Subject { get; init; }

    /// <summary>Plain-text body.</summary>
    [JsonPropertyName("text")]
    public string? Text { get; init; }

    /// <summary>HTML body.</summary>
    [JsonPropertyName("html")]
    public string? Html { get; init; }

    /// <summary>
    /// The caller's own key/values about the message (a few, small: <see cref="MessageMetadata"/>): never in the mail, but in
    /// every event about it.
    /// </summary>
    [JsonPropertyName("metadata")]
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Short labels for the message (<see cref="MessageTags"/>): never in the mail, but in every event about it.</summary>
    [JsonPropertyName("tags")]
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Extra header fields; structural ones (From, Content-*, …) are refused.</summary>
    [JsonPropertyName("headers")]
    public IReadOnlyDictionary<string, string?>? Headers { get; init; }

    /// <summary>
    /// Unsubscribe URIs for <c>List-Unsubscribe</c> (RFC 2369): an https URI, a mailto URI, or both (a string or an array).
    /// With an https URI the message also announces one-click unsubscription (RFC 8058).
    /// </summary>
    [JsonPropertyName("listUnsubscribe")]
    [JsonConverter(typeof(StringOrArrayConverter))]
    public IReadOnlyList<string>? ListUnsubscribe { get; init; }

    /// <summary>
    /// Whether to add <c>List-Unsubscribe-Post: List-Unsubscribe=One-Click</c> (RFC 8058). Default: yes when
    /// <see cref="ListUnsubscribe"/> has an https URI (which must then accept the receiver's POST); false turns it off.
    /// </summary>
    [JsonPropertyName("listUnsubscribeOneClick")]
    public bool? ListUnsubscribeOneClick { get; init; }

    /// <summary>Attachments; those with a <c>contentId</c> are inline parts of the HTML body.</summary>
    [JsonPropertyName("attachments")]
    public IReadOnlyList<JsonAttachment?>? Attachments { get; init; }

    /// <summary>Returns the decoded attachment contents to the pool (once the message that uses them is written).</summary>
    public void ReleaseAttachments()
    {
        foreach (var attachment in Attachments ?? [])
        {
            attachment?.Content?.Dispose();
        }
    }
}
