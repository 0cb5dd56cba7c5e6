using MimeKit;

namespace SmtpFunctions.Core.Delivery;

/// <summary>A recipient of an attempt not settled yet: the address as the job gave it, and its parsed mailbox.</summary>
/// <param name="Address">The envelope address as requested (the key of its reply).</param>
/// <param name="Mailbox">The parsed mailbox sent in RCPT TO.</param>
internal sealed record PendingRecipient(string Address, MailboxAddress Mailbox);
