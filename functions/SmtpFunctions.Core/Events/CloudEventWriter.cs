using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SmtpFunctions.Core.Events;

/// <summary>
/// Writes a recipient event as a CloudEvents 1.0 event in the structured JSON format, which webhook receivers, Event Grid
/// (CloudEvents schema topics) and any CloudEvents SDK read unchanged.
/// </summary>
/// <remarks>
/// The id is derived from the message, the recipient and the event's sequence number, so an event sent twice (at least
/// once) carries the same id both times: consumers de-duplicate on it (CloudEvents 1.0 §3.1.1, "source + id" is unique).
/// The <c>sequence</c> extension (the CloudEvents sequence extension: a string that sorts in order) orders a recipient's
/// events; <c>tenantid</c> names the tenant.
/// </remarks>
public static class CloudEventWriter
{
    /// <summary>The <c>source</c> of every event.</summary>
    public const string Source = "/smtpfunctions";

    /// <summary>Content type of one event in the structured mode.</summary>
    public const string ContentType = "application/cloudevents+json; charset=utf-8";

    /// <summary>The deterministic event id.</summary>
    public static string IdFor(string messageId, string recipient, int sequence)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(recipient.ToLowerInvariant())))[..16];
        return string.Create(CultureInfo.InvariantCulture, $"evt_{messageId}_{hash}_{sequence}");
    }

    /// <summary>The sequence attribute: zero-padded, so that it sorts as a string.</summary>
    public static string SequenceText(int sequence) => sequence.ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>The event as UTF-8 JSON.</summary>
    public static byte[] Write(string messageId, string tenantId, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<string> tags, RecipientEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(tags);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("specversion", "1.0");
            json.WriteString("id", IdFor(messageId, e.Recipient, e.Sequence));
            json.WriteString("source", Source);
            json.WriteString("type", EventTypes.Prefix + e.Type);
            json.WriteString("subject", $"messages/{messageId}/recipients/{e.Recipient}");
            json.WriteString("time", e.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture));
            json.WriteString("datacontenttype", "application/json");
            json.WriteString("sequence", SequenceText(e.Sequence));
            json.WriteString("tenantid", tenantId);
            json.WriteStartObject("data");
            json.WriteString("messageId", messageId);
            json.WriteString("recipient", e.Recipient);
            json.WriteString("tenantId", tenantId);
            json.WriteString("event", e.Type);
            json.WriteNumber("sequence", e.Sequence);
            json.WriteNumber("attempts", e.Attempts);
            if (e.NextAttemptAt is { } next)
            {
                json.WriteString("nextAttemptAt", next.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", CultureInfo.InvariantCulture));
            }

            WriteNullable(json, "response", e.Response);
            if (e.ReplyCode is { } code)
            {
                json.WriteNumber("replyCode", code);
            }
            else
            {
                json.WriteNull("replyCode");
            }

            WriteNullable(json, "enhancedCode", e.EnhancedCode);
            WriteNullable(json, "mxHost", e.MxHost);
            if (e.Tls is { } tls)
            {
                json.WriteBoolean("tls", tls);
            }
            else
            {
                json.WriteNull("tls");
            }

            WriteNullable(json, "tlsDetails", e.TlsDetails);
            json.WriteStartObject("metadata");
            foreach (var (key, value) in metadata)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
            json.WriteStartArray("tags");
            foreach (var tag in tags)
            {
                json.WriteStringValue(tag);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
