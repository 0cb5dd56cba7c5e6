namespace SmtpFunctions.Core.Submission;

/// <summary>Which custom header fields a JSON submission may set, and what their names and values may contain.</summary>
/// <remarks>Field names are RFC 5322 §3.6.8 <c>ftext</c> (printable US-ASCII except colon).</remarks>
public static class HeaderRules
{
    private static readonly HashSet<string> Structural = new(StringComparer.OrdinalIgnoreCase)
    {
        "From", "Sender", "To", "Cc", "Bcc", "Reply-To", "Subject", "Message-ID", "Date", "MIME-Version",
    };

    // Trace and authentication results are written by the servers a message passes through (RFC 5321 §4.4, RFC 8601,
    // RFC 8617), a DKIM signature by the signer of the domain (us, after these rules): a caller's would be forged claims.
    private static readonly HashSet<string> ServerOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        "Return-Path", "Received", "DKIM-Signature", "Authentication-Results", "Resent-Bcc",
    };

    /// <summary>Checks one custom header; returns the problem, or null when it may be added.</summary>
    public static string? Check(string name, string? value)
    {
        if (!IsFieldName(name))
        {
            return "is not a valid header field name (printable ASCII without spaces or colon)";
        }

        if (Structural.Contains(name) || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
        {
            return "is a structural header and cannot be set here";
        }

        if (IsServerOnly(name))
        {
            return "is a trace, authentication or signature field that only a mail server adds; it cannot be supplied";
        }

        if (value is null)
        {
            return "needs a value";
        }

        return ContainsLineBreak(value) ? "value contains CR or LF" : null;
    }

    /// <summary>
    /// True for fields only a mail server writes: trace (<c>Received</c>, <c>Return-Path</c>), <c>DKIM-Signature</c>,
    /// <c>ARC-*</c> and <c>Authentication-Results</c>, and <c>Resent-Bcc</c>, whose addresses must not travel.
    /// </summary>
    public static bool IsServerOnly(string name) =>
        ServerOnly.Contains(name) || name.StartsWith("ARC-", StringComparison.OrdinalIgnoreCase);

    /// <summary>True for an RFC 5322 field name.</summary>
    public static bool IsFieldName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 76)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c is < '!' or > '~' or ':')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the text would break out of a header line.</summary>
    public static bool ContainsLineBreak(string value) =>
        value.Contains('\r', StringComparison.Ordinal) || value.Contains('\n', StringComparison.Ordinal);
}
