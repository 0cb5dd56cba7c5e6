using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>A submission that passed every rule: its final MIME octets, ready to store.</summary>
/// <param name="Message">The message (Bcc removed, Message-ID and Date present).</param>
/// <param name="Envelope">Reverse-path and distinct recipients.</param>
/// <param name="Mime">The octets to store and send, CRLF line ends.</param>
/// <param name="RequiresSmtpUtf8">The envelope or headers need SMTPUTF8 (RFC 6531).</param>
/// <param name="EightBit">The body has 8-bit octets (needs 8BITMIME, RFC 6152).</param>
/// <param name="Dkim">What DKIM-signed it (<c>d=… s=… a=…; …</c>), or <c>unsigned</c>.</param>
public sealed record PreparedSubmission(MimeMessage Message, Envelope Envelope, ReadOnlyMemory<byte> Mime, bool RequiresSmtpUtf8, bool EightBit, string Dkim);
