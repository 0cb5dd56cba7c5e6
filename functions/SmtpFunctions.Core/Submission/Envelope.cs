namespace SmtpFunctions.Core.Submission;

/// <summary>The envelope of an accepted message: reverse-path and distinct forward-paths.</summary>
/// <param name="Sender">Reverse-path; null for the null sender <c>&lt;&gt;</c> (DSNs).</param>
/// <param name="Recipients">Distinct recipients in submission order.</param>
public sealed record Envelope(EnvelopeAddress? Sender, IReadOnlyList<EnvelopeAddress> Recipients)
{
    /// <summary>True when any address needs SMTPUTF8.</summary>
    public bool RequiresSmtpUtf8 => (Sender?.RequiresSmtpUtf8 ?? false) || Recipients.Any(r => r.RequiresSmtpUtf8);

    /// <summary>Recipients grouped by domain, in first-seen order: one delivery job each.</summary>
    public IEnumerable<IGrouping<string, EnvelopeAddress>> ByDomain() => Recipients.GroupBy(r => r.Domain, StringComparer.Ordinal);
}
