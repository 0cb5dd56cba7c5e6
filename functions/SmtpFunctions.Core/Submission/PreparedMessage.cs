using MimeKit;

namespace SmtpFunctions.Core.Submission;

/// <summary>A validated message ready to sign and store: the MIME without Bcc, and its envelope.</summary>
/// <param name="Message">The message as it will be stored and sent.</param>
/// <param name="Envelope">Reverse-path and distinct recipients.</param>
public sealed record PreparedMessage(MimeMessage Message, Envelope Envelope);
