using System.Globalization;

namespace SmtpFunctions.Core.Delivery;

/// <summary>The classified outcome for one recipient: a peer's reply, or a local condition phrased like one.</summary>
/// <param name="Kind">Success, transient or permanent.</param>
/// <param name="Code">SMTP reply code when a peer answered; null for local conditions (DNS, network, policy).</param>
/// <param name="EnhancedCode">RFC 3463 status (<c>5.1.1</c>), from the reply or chosen for the local condition.</param>
/// <param name="Text">The reply text (without the code) or a description of the condition.</param>
public sealed record DeliveryReply(ReplyKind Kind, int? Code, string EnhancedCode, string Text)
{
    /// <summary>
    /// True when the peer gave this reply to one RCPT TO (it concerns that recipient), false for a reply to the whole
    /// transaction or session (greeting, EHLO, MAIL FROM, DATA) and for local conditions.
    /// </summary>
    public bool RecipientLevel { get; init; }

    /// <summary>The reply as one line, as Postfix logs it: <c>550 5.1.1 text</c>, or <c>4.4.1 text</c> without a peer reply.</summary>
    public override string ToString()
    {
        var text = Text.ReplaceLineEndings(" ").Trim();
        if (text.StartsWith(EnhancedCode, StringComparison.Ordinal))
        {
            text = text[EnhancedCode.Length..].TrimStart();
        }

        return Code is { } code
            ? string.Create(CultureInfo.InvariantCulture, $"{code} {EnhancedCode} {text}")
            : $"{EnhancedCode} {text}";
    }
}
