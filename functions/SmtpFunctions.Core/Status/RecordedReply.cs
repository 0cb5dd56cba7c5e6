using SmtpFunctions.Core.Delivery;

namespace SmtpFunctions.Core.Status;

/// <summary>The last reply a recipient row recorded, as a <see cref="DeliveryReply"/> again (for DSNs and expiry).</summary>
public static class RecordedReply
{
    /// <summary>
    /// The row's last reply with the given kind, or null when no attempt recorded one. The text is the stored one-line
    /// form without its leading codes, so that writing it out again gives the same line.
    /// </summary>
    public static DeliveryReply? From(RecipientEntity row, ReplyKind kind)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.LastResponse is not { Length: > 0 } text || row.LastEnhancedCode is not { Length: > 0 } enhanced)
        {
            return null;
        }

        if (row.LastReplyCode is { } code && text.StartsWith(code.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ", StringComparison.Ordinal))
        {
            text = text[4..];
        }

        if (text.StartsWith(enhanced + " ", StringComparison.Ordinal))
        {
            text = text[(enhanced.Length + 1)..];
        }

        return new DeliveryReply(kind, row.LastReplyCode, enhanced, text);
    }
}
