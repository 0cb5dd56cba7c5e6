namespace SmtpFunctions.Core.Submission;

/// <summary>An address as it goes on the SMTP envelope.</summary>
/// <param name="Address">Local part as given, domain in its ASCII (punycode) form, lower-cased.</param>
/// <param name="Domain">The ASCII domain, lower-cased: the key jobs and MX lookups use.</param>
/// <param name="RequiresSmtpUtf8">The local part is not ASCII, so only a peer offering SMTPUTF8 (RFC 6531) can take it.</param>
public sealed record EnvelopeAddress(string Address, string Domain, bool RequiresSmtpUtf8)
{
    /// <summary>Comparison used to collapse duplicates: whole address, case-insensitive, like Postfix's duplicate filter.</summary>
    public static StringComparer Comparer => StringComparer.OrdinalIgnoreCase;
}
