namespace SmtpFunctions.Core.Delivery;

/// <summary>One SMTP transaction to make: one message, one sender, the pending recipients of one domain.</summary>
/// <param name="Domain">Recipient domain (ASCII, lower-case).</param>
/// <param name="Sender">Envelope sender; null for the null reverse-path <c>&lt;&gt;</c>.</param>
/// <param name="Recipients">Envelope recipients, all in <paramref name="Domain"/>.</param>
/// <param name="Mime">The stored message, sent as is.</param>
/// <param name="RequiresSmtpUtf8">The envelope or headers need SMTPUTF8 (RFC 6531).</param>
/// <param name="EightBit">The body has 8-bit octets (RFC 6152).</param>
public sealed record RelayRequest(
    string Domain,
    string? Sender,
    IReadOnlyList<string> Recipients,
    ReadOnlyMemory<byte> Mime,
    bool RequiresSmtpUtf8,
    bool EightBit);
